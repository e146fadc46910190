"""With REDIS_URL set, tasks go through Redis to a real worker process."""

import os

import pytest
import redis

from tests.worker import running_worker

pytestmark = pytest.mark.integration
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_worker_runs_tasks_through_redis(make_app):
    redis.Redis.from_url(REDIS_URL).ping()  # fails, never skips, when Redis is down
    app = make_app(CELERY_ALWAYS_EAGER=False, REDIS_URL=REDIS_URL)
    assert app.config["CELERY"]["broker_url"] == REDIS_URL
    with running_worker(REDIS_URL):
        answer = app.extensions["celery"].send_task("system.ping").get(timeout=60)
    assert answer["regions"] > 3000
