"""Immediate dispatch: queuing a mandatory or interactive SMS wakes the priority sender on
its own queue right after the commit (never before, never after a rollback); with the
broker down the commit still succeeds and the message waits for the sweep."""

import json
import time
from pathlib import Path

from sqlalchemy import select

from core import clock
from extensions import db
from models import OutboxMessage
from services.sms import outbox, sender
from tests.conftest import INSTANCE_DIR
from tests.web.test_sms_failover import FakeProvider
from tests.worker import running_worker, wait_for

DOWN = "redis://127.0.0.1:1/0"  # nothing listens there
CONCERN = {"county": "横县", "kind": "安全"}
REMINDER = {"child_given_name": "小明", "due_date": "12月15日"}


def priority_tasks() -> int:
    """Tasks waiting on the sms-priority queue of the filesystem broker."""
    return len(list((Path(INSTANCE_DIR) / "queue").glob("*.sms-priority.msg")))


def concern_row(key="concern:1", phone="+8613900005555"):
    return outbox.message_row(key, "concern_raised", "concern", "coordinator", phone,
                              params=CONCERN)


def test_the_priority_sender_is_woken_after_the_commit_not_before(make_app):
    web = make_app(CELERY_ALWAYS_EAGER=False, REDIS_URL=None)
    assert web.config["CELERY"]["task_routes"]["sms.send_priority"]["queue"] == "sms-priority"
    with web.app_context():
        before = priority_tasks()
        outbox.queue(db.session, [concern_row()])
        db.session.flush()
        assert priority_tasks() == before  # the worker could not see the row yet
        db.session.commit()
        assert priority_tasks() == before + 1


def test_routine_messages_and_rolled_back_alerts_wake_nothing(make_app):
    web = make_app(CELERY_ALWAYS_EAGER=False, REDIS_URL=None)
    with web.app_context():
        before = priority_tasks()
        outbox.queue(db.session, [concern_row()])
        db.session.rollback()
        outbox.queue(db.session, [outbox.message_row(
            "reminder:1", "contact_due", "contact", "volunteer", "+8613900005556",
            params=REMINDER)])
        db.session.commit()
        assert priority_tasks() == before


def test_with_the_broker_down_the_alert_is_committed_and_waits_for_the_sweep(make_app):
    web = make_app(CELERY_ALWAYS_EAGER=False, REDIS_URL=DOWN)
    with web.app_context():
        started = time.monotonic()
        outbox.queue(db.session, [concern_row()])
        db.session.commit()
        assert time.monotonic() - started < 10  # the request does not hang on the broker
        assert db.session.execute(select(OutboxMessage.status)).scalar_one() == "queued"
        provider = FakeProvider("fake")
        sender.send_due(db.session, provider, clock.now(), commit=db.session.commit)
        assert [m.key for m in provider.sent] == ["concern:1"]


def test_one_embedded_worker_takes_both_queues(make_app, tmp_path):
    """`make run` starts one worker without -Q: it consumes sms-priority too."""
    web = make_app(CELERY_ALWAYS_EAGER=False, REDIS_URL=None)
    sms_file = tmp_path / "sms.jsonl"

    def sent_keys():
        if not sms_file.exists():
            return set()
        return {json.loads(line)["key"] for line in sms_file.read_text().splitlines()}

    with running_worker(SMS_BACKEND="file", SMS_FILE=str(sms_file)):
        with web.app_context():
            outbox.queue(db.session, [concern_row("concern:embedded")])
            db.session.commit()
        wait_for(lambda: "concern:embedded" in sent_keys(), timeout=90)


def test_a_savepoint_rolled_back_later_does_not_lose_the_wake_up(make_app):
    web = make_app(CELERY_ALWAYS_EAGER=False, REDIS_URL=None)
    with web.app_context():
        before = priority_tasks()
        outbox.queue(db.session, [concern_row()])
        savepoint = db.session.begin_nested()
        savepoint.rollback()
        db.session.commit()
        assert priority_tasks() == before + 1
