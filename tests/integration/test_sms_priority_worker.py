"""Priority with a real worker and Redis: while 5,000 routine messages wait, a concern raised
on the web and a one-time code each reach the provider (the ``file`` backend) before every
routine message that was still waiting; an opted-out coordinator still gets the alert."""

import json
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core import clock
from core.clock import today_local
from extensions import db
from models import OutboxMessage, User, Volunteer
from services.access import otp
from services.sms import outbox, sender
from tests.worker import running_worker, wait_for

pytestmark = pytest.mark.integration
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BACKLOG = 5000
REMINDER = {"child_given_name": "小明", "due_date": "12月15日"}


def _keys(path: Path) -> list[str]:
    if not path.exists():
        return []
    data = path.read_bytes()
    return [json.loads(raw)["key"] for raw in data[:data.rfind(b"\n") + 1].splitlines()]


def _queue_backlog(app):
    with app.app_context():
        earlier = clock.now() - timedelta(hours=1)
        outbox.queue(db.session, [outbox.message_row(
            f"routine:{i:05d}", "contact_due", "contact", "volunteer", f"+86137{i:08d}",
            params=REMINDER, not_before=earlier) for i in range(BACKLOG)])
        db.session.commit()


def _still_waiting(app) -> set[str]:
    """Routine messages not yet claimed by any worker."""
    time.sleep(0.2)  # a claim that began before the commit has committed by now
    with app.app_context():
        return set(db.session.execute(select(OutboxMessage.key).where(
            OutboxMessage.status == "queued", OutboxMessage.key.like("routine:%"))).scalars())


def _assert_sent_first(path: Path, urgent: set[str], waiting: set[str]) -> None:
    """Once the urgent messages and some of the waiting backlog are out, the urgent ones
    come before every waiting one."""
    assert waiting, "the backlog was gone before the urgent message was queued"
    wait_for(lambda: urgent <= set(_keys(path)) and waiting & set(_keys(path)),
             timeout=90, interval=0.02)
    positions = {key: i for i, key in enumerate(_keys(path))}
    later = [positions[key] for key in waiting if key in positions]
    assert max(positions[key] for key in urgent) < min(later)


def test_a_concern_and_a_code_overtake_the_morning_backlog(app, make_app, make_pair,
                                                           login, tmp_path):
    made = make_pair()
    with app.app_context():
        opted_out = min(made["coordinators"])
        sender.opt_out(db.session, db.session.get(User, opted_out).phone, "reply")
        volunteer_user = db.session.get(Volunteer, made["volunteer"]).user_id
        db.session.commit()
    _queue_backlog(app)
    sms_file = tmp_path / "sms.jsonl"
    web = make_app(CELERY_ALWAYS_EAGER=False, REDIS_URL=REDIS_URL)
    client = web.test_client()
    login(volunteer_user, client)
    with running_worker(REDIS_URL, SMS_BACKEND="file", SMS_FILE=str(sms_file)):
        web.extensions["celery"].send_task("sms.send_due")
        wait_for(lambda: len(_keys(sms_file)) >= 300, timeout=120, interval=0.02)
        answer = client.post(f"/followups/pairs/{made['pair']}/contact", data={
            "contact_date": today_local().isoformat(), "kind": "home_visit",
            "duration_minutes": "60", "child_mood": "worried", "notes": "",
            "concern_kind": "abuse_neglect", "concern_text": "孩子身上有伤，说是被打的"})
        assert answer.status_code == 302
        waiting = _still_waiting(app)
        with app.app_context():
            alerts = set(db.session.execute(select(OutboxMessage.key).where(
                OutboxMessage.subject == "concern")).scalars())
        assert len(alerts) == len(made["coordinators"])
        _assert_sent_first(sms_file, alerts, waiting)

        with web.app_context():
            code = otp.issue(db.session, "+8613900007777", "signup", "127.0.0.1")
            db.session.commit()
            code_key = f"otp:{code.id}"
        waiting = _still_waiting(app)
        _assert_sent_first(sms_file, {code_key}, waiting)
    with app.app_context():
        alert_to_opted_out = db.session.execute(select(OutboxMessage.status).where(
            OutboxMessage.subject == "concern",
            OutboxMessage.recipient_user_id == opted_out)).scalar_one()
    assert alert_to_opted_out == "sent"
