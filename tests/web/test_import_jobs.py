"""Web ledger imports as background jobs: progress, all-or-nothing, scoping, outages."""

import pytest
from kombu.exceptions import OperationalError
from sqlalchemy import func, select

from extensions import db
from models import Child, ConsentRecord, ImportJob, ImportUpload, User
from services.imports import CHILD_COLUMNS, jobs
from tests.conftest import COUNTY_A
from tests.web.test_imports import CHILD_ROWS, csv_bytes, upload


def ledger(n: int) -> bytes:
    rows = []
    for i in range(n):
        row = list(CHILD_ROWS[0])
        row[0], row[3] = f"P{i:03d}", f"2015-03-{i % 28 + 1:02d}"
        row[11] = f"137{i:08d}"
        rows.append(row)
    return csv_bytes(CHILD_COLUMNS, rows)


def total(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def queued(user_id: int, data: bytes) -> int:
    job = jobs.queue_import(db.session, db.session.get(User, user_id), "children", data)
    db.session.commit()
    return job.id


def test_progress_rises_to_the_end_and_the_file_is_deleted(app, create_user, monkeypatch):
    monkeypatch.setattr("services.imports.common.REPORT_EVERY", 2)
    monkeypatch.setattr("services.imports.common.SAVE_CHUNK", 2)
    user_id = create_user()
    seen = []
    with app.app_context():
        job_id = queued(user_id, ledger(5))
        assert db.session.get(ImportJob, job_id).status == "queued"
        job = jobs.execute_import(db.session, job_id, commit=db.session.commit,
                                         progress=lambda *args: seen.append(args[1:]))
        assert (job.status, job.phase, job.progress, job.created) == ("done", "done", 1.0, 5)
        assert total(Child) == 5 and total(ImportUpload) == 0
    shares = [share for _, share in seen]
    assert shares == sorted(shares) and shares[0] == 0.0 and shares[-1] == 1.0
    assert [phase for phase, _ in seen] == ["checking"] * 4 + ["saving"] * 4
    assert ("checking", 0.4) in seen and ("saving", 0.7) in seen  # 2 of 5 rows checked; 4 saved


def test_a_job_runs_once(app, create_user):
    user_id = create_user()
    with app.app_context():
        job_id = queued(user_id, ledger(1))
        run = {"commit": db.session.commit}
        assert jobs.execute_import(db.session, job_id, **run) is not None
        assert jobs.execute_import(db.session, job_id, **run) is None
        assert total(Child) == 1


def test_refused_rows_write_nothing_but_the_failure(app, create_user):
    user_id = create_user()
    bad = list(CHILD_ROWS[1])
    bad[3] = "2016-13-40"
    seen = []
    with app.app_context():
        job_id = queued(user_id, csv_bytes(CHILD_COLUMNS, [CHILD_ROWS[0], bad]))
        job = jobs.execute_import(db.session, job_id, commit=db.session.commit,
                                         progress=lambda *args: seen.append(args[1]))
        assert job.status == "failed" and job.finished_at is not None
        assert [p["row"] for p in job.error["problems"]] == [3]
        assert "2016-13-40" in str(job.error["problems"][0]["params"])
        assert total(Child) == 0 and total(ConsentRecord) == 0 and total(ImportUpload) == 0
    assert "saving" not in seen


def test_an_error_while_saving_undoes_every_row(app, create_user, monkeypatch):
    from tasks.imports import run_import

    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr("services.imports.children._record_paper_consent", broken)
    user_id = create_user()
    with app.app_context():
        job_id = queued(user_id, ledger(3))
    run_import(job_id)
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert job.status == "failed" and "internal error" in job.error["message"]
        assert total(Child) == 0 and total(ImportUpload) == 0


def test_the_job_page_is_for_its_starter_and_administrators(client, app, create_user, login,
                                                            make_app):
    starter = create_user()
    login(starter)
    response = upload(client, "children", ledger(2))
    assert response.status_code == 302 and "/imports/" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "data-import-done" in page and 'aria-valuenow="100"' in page
    status = client.get(response.location + "/status").get_json()
    assert status["status"] == "done" and status["progress"] == 1.0
    colleague = make_app().test_client()
    login(create_user(regions=(COUNTY_A,)), colleague)
    assert colleague.get(response.location).status_code == 404
    assert colleague.get(response.location + "/status").status_code == 404
    admin = make_app().test_client()
    login(create_user(role="admin"), admin)
    assert admin.get(response.location).status_code == 200


@pytest.mark.parametrize("kind", ["children", "volunteers"])
def test_with_the_broker_down_the_file_is_imported_at_once(client, app, create_user, login,
                                                           monkeypatch, kind):
    from tests.web.test_imports import VOLUNTEER_COLUMNS, VOLUNTEER_ROWS

    def unreachable(*args):
        raise OperationalError("broker down")

    monkeypatch.setattr("blueprints.imports.upload.enqueue", unreachable)
    login(create_user())
    data = ledger(2) if kind == "children" else csv_bytes(VOLUNTEER_COLUMNS, VOLUNTEER_ROWS)
    page = upload(client, kind, data, follow=True).get_data(as_text=True)
    assert "data-import-done" in page and "alert-warning" in page
    with app.app_context():
        job = db.session.execute(select(ImportJob)).scalar_one()
        assert (job.kind, job.status, job.created) == (kind, "done", 2)


def test_the_worker_writes_progress_beside_the_import(app, create_user, monkeypatch):
    """Progress goes to the job's row in transactions of its own while the rows are
    written (every step on PostgreSQL; SQLite, with one writer, records the checking)."""
    import tasks.imports

    monkeypatch.setattr("services.imports.common.REPORT_EVERY", 2)
    monkeypatch.setattr("services.imports.common.SAVE_CHUNK", 2)
    written = []
    real = tasks.imports.write_progress

    def watched(job_id, phase, share):
        real(job_id, phase, share)
        with db.engine.connect() as conn:
            written.append(conn.execute(select(ImportJob.progress).where(
                ImportJob.id == job_id)).scalar_one())

    monkeypatch.setattr(tasks.imports, "write_progress", watched)
    user_id = create_user()
    with app.app_context():
        job_id = queued(user_id, ledger(5))
        postgresql = db.engine.dialect.name == "postgresql"
    tasks.imports.run_import(job_id)
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert (job.status, job.progress, total(Child)) == ("done", 1.0, 5)
    seen = [share for share in written if share]
    assert seen == sorted(seen) and 0.5 in seen
    assert (0.7 in seen) == postgresql


def test_an_import_whose_worker_died_is_failed_not_stuck(app, create_user):
    from datetime import timedelta

    from core import clock

    user_id = create_user()
    with app.app_context():
        lost, waiting = queued(user_id, ledger(1)), queued(user_id, ledger(1))
        db.session.get(ImportJob, lost).status = "running"  # its worker died mid-import
        db.session.commit()
        soon = clock.now() + timedelta(minutes=5)
        assert jobs.recover_imports(db.session, soon, timedelta(minutes=2)) == [waiting]
        assert db.session.get(ImportJob, lost).status == "running"
        later = clock.now() + timedelta(minutes=31)
        jobs.recover_imports(db.session, later, timedelta(minutes=2))
        db.session.commit()
        db.session.expire_all()
        job = db.session.get(ImportJob, lost)
        assert job.status == "failed" and "worker stopped" in job.error["message"]
        assert db.session.get(ImportUpload, lost) is None and total(Child) == 0


def test_imports_are_recovered_on_the_beat(app):
    schedule = app.config["CELERY"]["beat_schedule"]
    assert schedule["imports-recover"]["task"] == "imports.recover"
    assert "imports.recover" in app.extensions["celery"].tasks
