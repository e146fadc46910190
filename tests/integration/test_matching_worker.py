"""A real Celery worker with the Redis broker runs a matching run started from the web."""

import os

import pytest
from sqlalchemy import select

from extensions import db
from models import MatchRun
from tests.conftest import COUNTY_A
from tests.worker import running_worker, wait_for

pytestmark = pytest.mark.integration
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_run_started_on_the_web_is_done_by_the_worker(make_app, create_user, create_volunteer,
                                                      create_child, login):
    web = make_app(CELERY_ALWAYS_EAGER=False, REDIS_URL=REDIS_URL)
    coordinator = create_user(regions=(COUNTY_A,))
    create_volunteer(status="vetted", actor_id=coordinator, skills=["academic"])
    create_child(coordinator, needs=["academic"])
    client = web.test_client()
    login(coordinator, client)
    with running_worker(REDIS_URL):
        response = client.post("/matching/runs", data={"region_code": COUNTY_A})
        assert response.status_code == 302
        with web.app_context():
            run_id = db.session.execute(select(MatchRun.id)).scalar_one()

        def finished():
            status = client.get(f"/matching/runs/{run_id}/status").get_json()
            return status if status["status"] in ("done", "failed") else None

        status = wait_for(finished, timeout=90)
    assert status["status"] == "done", status
    assert status["stats"]["proposed"] == 1


def test_a_split_run_on_two_workers_equals_one_process(app, make_app, create_user,
                                                       create_volunteer, create_child, login,
                                                       tmp_path):
    from services.matching import runs
    from tests.unit.matching.test_matching_parts import PROVINCE, _outcome, _people

    coordinator = _people(create_user, create_volunteer, create_child)
    with app.app_context():
        single = runs.start_run(db.session, None, PROVINCE)
        db.session.commit()
        runs.execute_run(db.session, single.id, commit=db.session.commit)
        expected = _outcome(single.id)
    web = make_app(CELERY_ALWAYS_EAGER=False, REDIS_URL=REDIS_URL)
    client = web.test_client()
    login(coordinator, client)
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    with running_worker(REDIS_URL, log_path=logs[0], MATCH_PARTS="2"), \
            running_worker(REDIS_URL, log_path=logs[1], fresh_broker=False, MATCH_PARTS="2"):
        assert client.post("/matching/runs", data={"region_code": PROVINCE}).status_code == 302
        with web.app_context():
            run_id = db.session.execute(select(MatchRun.id).where(
                MatchRun.id != single.id)).scalar_one()

        def finished():
            status = client.get(f"/matching/runs/{run_id}/status").get_json()
            return status if status["status"] in ("done", "failed") else None

        status = wait_for(finished, timeout=120)
    assert status["status"] == "done", status
    assert status["stats"]["parts"] == 2
    with app.app_context():
        assert _outcome(run_id) == expected
    solved = "".join(log.read_text() for log in logs).count("matching.solve_part")
    assert solved >= 2
