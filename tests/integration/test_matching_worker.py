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
