"""Runs survive a broker outage and a dead worker; the health endpoint tells the truth."""

import time
from datetime import timedelta

from sqlalchemy import func, select

from core import clock
from extensions import db
from models import MatchRun, Proposal
from services.matching import runs
from tests.conftest import APPROVED_AT, COUNTY_A

DOWN = "redis://127.0.0.1:1/0"  # nothing listens there


def test_health_endpoint(client, make_app):
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.get_json() == {
        "status": "ok", "database": "ok", "broker": "ok"}
    broken = make_app(CELERY_ALWAYS_EAGER=False, REDIS_URL=DOWN).test_client()
    answer = broken.get("/healthz")
    assert answer.status_code == 503 and answer.get_json()["broker"] == "down"


def test_run_waits_while_the_broker_is_down_then_resumes(app, make_app, create_user,
                                                         create_volunteer, create_child,
                                                         login):
    coordinator = create_user(regions=(COUNTY_A,))
    create_volunteer(status="vetted", actor_id=coordinator, skills=["academic"])
    create_child(coordinator, needs=["academic"])
    web = make_app(CELERY_ALWAYS_EAGER=False, REDIS_URL=DOWN)
    client = web.test_client()
    login(coordinator, client)
    started = time.monotonic()
    response = client.post("/matching/runs", data={"region_code": COUNTY_A},
                           follow_redirects=True)
    assert time.monotonic() - started < 15  # the page does not hang on the broker
    assert "后台服务暂时无法连接，恢复后将自动开始匹配" in response.get_data(as_text=True)
    with app.app_context():
        run = db.session.execute(select(MatchRun)).scalar_one()
        assert run.status == "queued"
        waiting = runs.recover_runs(db.session, run.created_at + timedelta(minutes=3))
        db.session.commit()
        assert waiting == [run.id]
    # The broker is back: the recovery task queues it again and a worker runs it.
    app.extensions["celery"].tasks["matching.run"].apply(args=(run.id,))
    with app.app_context():
        assert db.session.get(MatchRun, run.id).status == "done"


def test_a_run_queued_twice_is_executed_once(app, create_user, create_volunteer,
                                             create_child):
    coordinator = create_user(regions=(COUNTY_A,))
    create_volunteer(status="vetted", actor_id=coordinator, skills=["academic"])
    create_child(coordinator, needs=["academic"])
    with app.app_context():
        run = runs.start_run(db.session, None, COUNTY_A)
        db.session.commit()
        first = runs.execute_run(db.session, run.id, commit=db.session.commit)
        second = runs.execute_run(db.session, run.id, commit=db.session.commit)
        assert first is not None and second is None
        assert db.session.execute(select(func.count()).select_from(Proposal)).scalar_one() == 1


def test_a_run_whose_worker_died_is_failed_not_stuck(app, create_user):
    with app.app_context():
        run = runs.start_run(db.session, None, COUNTY_A)
        run.status, run.heartbeat_at = "running", clock.now()
        db.session.commit()
        assert runs.recover_runs(db.session, clock.now() + timedelta(minutes=5)) == []
        db.session.commit()
        assert db.session.get(MatchRun, run.id).status == "running"
        runs.recover_runs(db.session, clock.now() + timedelta(minutes=11))
        db.session.commit()
        db.session.expire_all()
        failed = db.session.get(MatchRun, run.id)
        assert failed.status == "failed" and "start it again" in failed.error


def test_database_errors_become_clean_error_pages(client, app, create_user, login,
                                                  monkeypatch):
    """A database error (its exception has a string 'code') gives a 500 page or problem
    document; the error handler itself must not fail."""
    from sqlalchemy.exc import ProgrammingError

    from models import User
    from services.access import api_tokens, policy

    def broken(*args, **kwargs):
        raise ProgrammingError("SELECT 1", {}, Exception("relation does not exist"))

    user_id = create_user()
    login(user_id)
    with app.app_context():
        token, _ = api_tokens.create_token(db.session, db.session.get(User, user_id), "t")
        db.session.commit()
    monkeypatch.setattr(policy, "scoped", broken)
    page = client.get("/children/")
    assert page.status_code == 500 and "<html" in page.get_data(as_text=True)
    api = client.get("/api/v1/children", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 500 and api.content_type == "application/problem+json"


def test_a_double_submitted_form_creates_nothing_twice(app, client, login, make_pair,
                                                       create_user):
    from models import Child, ContactLog
    from tests.conftest import child_data

    made = make_pair()
    login(min(made["coordinators"]))
    page = client.get("/children/new").get_data(as_text=True)
    token = page.split('id="submission" name="submission" type="hidden" value="')[1][:32]
    data = child_data(name="双击测试", submission=token)
    first = client.post("/children/new", data=data)
    second = client.post("/children/new", data=data, follow_redirects=True)
    assert first.status_code == 302 and second.status_code == 200
    assert "没有重复保存" in second.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Child).where(
            Child.name == "双击测试")).scalar_one() == 1
    volunteer_client = app.test_client()
    with app.app_context():
        from models import Volunteer

        login(db.session.get(Volunteer, made["volunteer"]).user_id, volunteer_client)
    contact = {"contact_date": "2026-12-05", "kind": "call", "child_mood": "fine",
               "submission": "same-token-twice"}
    with clock.frozen(APPROVED_AT + timedelta(days=4)):  # the pair started on 1 December
        answers = [volunteer_client.post(f"/followups/pairs/{made['pair']}/contact",
                                         data=contact).status_code for _ in range(2)]
    assert answers == [302, 302]
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(ContactLog)).scalar_one() == 1


def test_a_form_that_failed_can_be_sent_again(app, client, login, create_user):
    from models import Child
    from tests.conftest import child_data

    login(create_user())
    data = child_data(name="重试测试", submission="retry-token")
    assert client.post("/children/new", data={**data, "guardian_phone": "123"}
                       ).status_code == 200  # refused: the token is not used up
    assert client.post("/children/new", data=data).status_code == 302
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Child)).scalar_one() == 1


def test_a_ledger_sent_twice_is_imported_once(app, client, login, create_user):
    import io

    from models import ImportJob
    from services.imports import CHILD_COLUMNS
    from tests.web.test_imports import CHILD_ROWS, csv_bytes

    login(create_user())
    data = csv_bytes(CHILD_COLUMNS, CHILD_ROWS)

    def send():
        return client.post("/children/import", content_type="multipart/form-data", data={
            "file": (io.BytesIO(data), "ledger.csv"), "submission": "one-upload-form"})

    first, second = send(), send()
    assert first.status_code == second.status_code == 302
    assert first.location == second.location  # both land on the one import's page
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(ImportJob)).scalar_one() == 1
    page = client.get(second.location, follow_redirects=True).get_data(as_text=True)
    assert "导入" in page


def test_a_background_check_sent_twice_is_recorded_once(app, client, login, create_user,
                                                         create_volunteer):
    from models import BackgroundCheck

    coordinator = create_user(regions=(COUNTY_A,))
    volunteer = create_volunteer()
    login(coordinator)
    form = {"certificate_no": "GX2026-001", "issuing_office": "横县公安局",
            "issued_on": "2026-11-01", "submission": "one-check-form"}
    answers = [client.post(f"/volunteers/{volunteer}/checks", data=form,
                           follow_redirects=True) for _ in range(2)]
    assert "没有重复保存" in answers[1].get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(BackgroundCheck)
                                  ).scalar_one() == 1
