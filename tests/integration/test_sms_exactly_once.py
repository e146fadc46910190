"""Exactly once with real processes: a worker sending 1,000 due messages through Redis is
killed with SIGKILL mid-burst, twice, and restarted. Every message ends up in the file
backend exactly once, or marked ``unknown`` (killed between the provider call and the
status write); none is lost, none duplicated."""

import json
import os
import signal
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import clock
from extensions import db
from models import OutboxMessage
from services.followups import reminders
from services.settings import get_settings
from services.sms import outbox
from tests.conftest import TEST_DATABASE_URL
from tests.worker import running_worker, wait_for

pytestmark = pytest.mark.integration
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BURST = 1000


def _lines(path: Path) -> list[dict]:
    """The complete lines written so far (the worker may be in the middle of one; a line
    torn by a kill is no delivered message and is left out)."""
    if not path.exists():
        return []
    data = path.read_bytes()
    lines = []
    for raw in data[:data.rfind(b"\n") + 1].splitlines():
        try:
            lines.append(json.loads(raw.decode("utf-8")))
        except ValueError:
            continue
    return lines


def _statuses(app) -> dict:
    with app.app_context():
        return dict(db.session.execute(select(OutboxMessage.status, func.count())
                                       .group_by(OutboxMessage.status)).all())


def test_kill_minus_nine_during_a_burst(app, make_app, tmp_path):
    sms_file = tmp_path / "sms.jsonl"
    with app.app_context():
        rows = [outbox.message_row(f"burst:{i:04d}", "verification_code", "test", "volunteer",
                               f"+86139{i:08d}", params={"code": f"{i:06d}"})
                for i in range(BURST)]
        outbox.queue(db.session, rows)
        # The burst is for the real workers below, not for this (eager) app's own sender.
        db.session.info.pop(outbox.PRIORITY_QUEUED, None)
        db.session.commit()
    web = make_app(CELERY_ALWAYS_EAGER=False, REDIS_URL=REDIS_URL)
    celery = web.extensions["celery"]
    env = {"SMS_BACKEND": "file", "SMS_FILE": str(sms_file)}

    def kick(times=3):
        for _ in range(times):
            celery.send_task("sms.send_due")

    for kill_after in (150, 550):
        with running_worker(REDIS_URL, **env) as worker:
            kick()
            wait_for(lambda n=kill_after: len(_lines(sms_file)) >= n, timeout=120, interval=0.01)
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    # Later, the sweep marks what was interrupted; a fresh worker sends the rest.
    with app.app_context():
        later = clock.now() + timedelta(minutes=11)
        reminders.sweep(db.session, later, get_settings(db.session))
        db.session.commit()
    with running_worker(REDIS_URL, **env):
        kick()
        wait_for(lambda: not ({"queued", "sending"} & set(_statuses(app))), timeout=180)

    lines = _lines(sms_file)
    keys = [line["key"] for line in lines]
    assert len(keys) == len(set(keys)), "a message was sent twice"
    with app.app_context():
        final = dict(db.session.execute(select(OutboxMessage.key, OutboxMessage.status)).all())
    assert set(final.values()) <= {"sent", "unknown"}
    sent = {k for k, s in final.items() if s == "sent"}
    unknown = {k for k, s in final.items() if s == "unknown"}
    assert len(sent) + len(unknown) == BURST
    assert sent <= set(keys), "a message marked sent is not in the provider's record"
    assert set(keys) <= sent | unknown
    assert len(unknown) <= 2  # one claimed message at most per kill


def test_two_sweeps_at_once_write_one_row_per_key(app, make_pair):
    assert TEST_DATABASE_URL, "set TEST_DATABASE_URL to a PostgreSQL database"
    for _ in range(3):
        make_pair()
    moment = clock.now().replace(year=2027, month=1, day=20)  # everything long overdue
    barrier = threading.Barrier(2)
    errors = []

    def sweep():
        with app.app_context():
            try:
                settings = get_settings(db.session)
                barrier.wait()
                reminders.sweep(db.session, moment, settings)
                db.session.commit()
            except Exception as exc:  # reported below, with the thread's error
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with app.app_context():
        keys = db.session.execute(select(OutboxMessage.key).where(
            OutboxMessage.subject.in_(("contact", "visit")))).scalars().all()
    assert keys and len(keys) == len(set(keys))
