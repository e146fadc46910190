"""Redis goes away and comes back: the web keeps serving, the work waits in the database,
and reminder and matching jobs resume on their own once Redis is back.

A private Redis server is started for the test (Redis keeps nothing on disk here, so a
restart also loses whatever was queued in it, as a real crash would).
"""

import json
import subprocess
from datetime import timedelta

import pytest
import redis
from sqlalchemy import select, update

from core.clock import today_local
from extensions import db
from models import MatchRun, Pair
from services.settings import get_settings
from tests.conftest import COUNTY_A
from tests.worker import free_port, running_worker, wait_for

pytestmark = pytest.mark.integration


class PrivateRedis:
    def __init__(self, folder):
        self.port = free_port()
        self.folder = folder
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._answers, timeout=20)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=20)
        assert not self._answers()

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.process.terminate()
        server.process.wait(timeout=20)


def _sent_keys(path) -> list[str]:
    if not path.exists():
        return []
    return [json.loads(line)["key"] for line in path.read_text().splitlines() if line]


def test_jobs_resume_after_redis_comes_back(app, make_app, make_pair, create_volunteer,
                                            create_child, login, private_redis, tmp_path):
    pair = make_pair()
    coordinator = min(pair["coordinators"])
    create_volunteer(status="vetted", actor_id=coordinator, skills=["academic"])
    create_child(coordinator, needs=["academic"])
    sms_file = tmp_path / "sms.jsonl"
    env = {"SMS_BACKEND": "file", "SMS_FILE": str(sms_file), "REMINDER_SWEEP_SECONDS": "1",
           "MATCH_RECOVER_SECONDS": "1", "MATCH_REQUEUE_SECONDS": "1"}
    web = make_app(CELERY_ALWAYS_EAGER=False, REDIS_URL=private_redis.url)
    with running_worker(private_redis.url, beat=True, **env):
        # The worker is up and answers through Redis (nothing is due yet).
        assert web.extensions["celery"].send_task("system.ping").get(timeout=60)["pong"]
        private_redis.stop()

        # While Redis is down: the pair falls due and a coordinator starts a run.
        with app.app_context():
            db.session.execute(update(Pair).where(Pair.id == pair["pair"]).values(
                next_contact_due=today_local() - timedelta(days=1)))
            settings = get_settings(db.session)
            settings.quiet_start = settings.quiet_end = 0  # no quiet hours in this test
            db.session.commit()
        client = web.test_client()
        login(coordinator, client)
        page = client.post("/matching/runs", data={"region_code": COUNTY_A},
                           follow_redirects=True)
        assert page.status_code == 200
        assert "后台服务暂时无法连接，恢复后将自动开始匹配" in page.get_data(as_text=True)
        assert client.get("/followups/").status_code == 200  # the site keeps serving
        with app.app_context():
            run_id = db.session.execute(select(MatchRun.id).where(
                MatchRun.status == "queued")).scalar_one()
        due_key = f"pair:{pair['pair']}:contact:"
        assert not any(k.startswith(due_key) for k in _sent_keys(sms_file))

        # Redis returns, empty: beat's next sweep sends the reminder, the recovery task
        # queues the waiting run again and a worker runs it.
        private_redis.start()
        wait_for(lambda: any(k.startswith(due_key) for k in _sent_keys(sms_file)),
                 timeout=120, interval=0.5)
        wait_for(lambda: _run_status(app, run_id) == "done", timeout=120, interval=0.5)
    reminders = [k for k in _sent_keys(sms_file) if k.startswith(due_key)]
    assert len(reminders) == 1


def _run_status(app, run_id: int) -> str:
    with app.app_context():
        db.session.expire_all()
        return db.session.get(MatchRun, run_id).status
