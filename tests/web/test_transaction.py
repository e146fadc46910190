"""One transaction per request (blueprints/transaction.py): commit on success, roll back on
an error answer or a refusal, work queued for after the commit runs only after it."""

import json
import re
from pathlib import Path

import pytest
from flask import Response, get_flashed_messages
from sqlalchemy import create_engine, delete, select

from blueprints import transaction
from core.errors import DomainError, NotFound
from extensions import db
from models import ProgrammeSettings
from tests.conftest import DATABASE_URL

ROOT = Path(__file__).resolve().parents[2]


def _saved_elsewhere() -> int | None:
    """The settings row's contact interval as another connection sees it (committed only)."""
    engine = create_engine(DATABASE_URL)
    try:
        with engine.connect() as conn:
            return conn.execute(select(ProgrammeSettings.contact_interval_days)).scalar()
    finally:
        engine.dispose()


@pytest.fixture(autouse=True)
def _no_settings_row(app):
    with app.app_context():
        db.session.execute(delete(ProgrammeSettings))
        db.session.commit()


def _write(days: int = 9) -> None:
    db.session.add(ProgrammeSettings(id=1, contact_interval_days=days))
    db.session.flush()


def test_a_success_answer_commits_and_then_runs_the_after_commit_work(app):
    seen = []
    with app.test_request_context("/"):
        _write()
        transaction.after_commit(lambda: seen.append(_saved_elsewhere()))
        assert _saved_elsewhere() is None  # nothing is saved before the answer
        transaction.commit_request(Response(status=302))
    assert seen == [9]  # the callback ran after the commit, and saw the row
    assert _saved_elsewhere() == 9


def test_an_error_answer_rolls_back_and_drops_the_after_commit_work(app):
    seen = []
    with app.test_request_context("/"):
        _write()
        transaction.after_commit(seen.append, "ran")
        transaction.commit_request(Response(status=422))
    assert seen == [] and _saved_elsewhere() is None


def test_a_kept_refusal_is_committed_although_the_answer_is_an_error(app):
    with app.test_request_context("/"):
        _write(days=5)
        transaction.keep_when_refused()
        transaction.commit_request(Response(status=422))
    assert _saved_elsewhere() == 5


def test_saving_rolls_back_a_refused_change_and_flashes_what_to_fix(app):
    with app.test_request_context("/"):
        with transaction.saving() as saved:
            _write()
            raise DomainError("Give the date and the reason.")
        assert not saved
        assert [category for category, _ in get_flashed_messages(with_categories=True)] == \
            ["danger"]
        transaction.commit_request(Response(status=200))
    assert _saved_elsewhere() is None


def test_saving_keeps_what_came_before_a_refusal_it_is_told_to_keep(app):
    class WrongTry(DomainError):
        pass

    with app.test_request_context("/"):
        with transaction.saving(keep=(WrongTry,)) as saved:
            _write(days=4)
            raise WrongTry("No code is waiting for this number; ask for a new one.")
        assert not saved
        transaction.commit_request(Response(status=200))
    assert _saved_elsewhere() == 4


def test_not_found_inside_saving_stays_a_not_found(app):
    with app.test_request_context("/"):
        try:
            with transaction.saving():
                raise NotFound()
        except NotFound:
            pass
        else:
            raise AssertionError("NotFound was swallowed")


def test_a_refusal_no_view_caught_is_problem_json_in_the_api(app):
    with app.test_request_context("/api/v1/anything"):
        _write()
        response = transaction.refused(DomainError("This proposal is no longer open."))
        transaction.commit_request(response)
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert json.loads(response.get_data())["code"] == "conflict"
    assert _saved_elsewhere() is None


def test_a_refusal_no_view_caught_on_a_page_sends_the_person_back(app):
    came_from = {"Referer": "http://localhost/children/"}
    with app.test_request_context("/children/1/edit", headers=came_from):
        response = transaction.refused(DomainError("This proposal is no longer open."))
        assert get_flashed_messages()
    assert response.status_code == 302 and response.location.endswith("/children/")


def test_views_never_commit_or_roll_back_by_hand():
    """Pages and API operations leave the transaction to blueprints/transaction.py;
    only the command-line commands (their own boundary) commit."""
    offenders = []
    for path in (ROOT / "blueprints").rglob("*.py"):
        if path.name in ("cli.py", "transaction.py"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"db\.session\.(commit|rollback)\(", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []


def test_a_failed_commit_is_a_clean_error_page_and_saves_nothing(app, monkeypatch):
    """The database going away at the commit (a restart) answers with the error page."""
    from sqlalchemy.exc import OperationalError

    def gone():
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    seen = []
    with app.test_request_context("/"):
        _write()
        transaction.after_commit(seen.append, "ran")
        monkeypatch.setattr(db.session, "commit", gone)
        response = transaction.commit_request(Response(status=302))
        monkeypatch.undo()
    assert response.status_code == 500 and seen == []
    assert _saved_elsewhere() is None
