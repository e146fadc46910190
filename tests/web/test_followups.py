"""Follow-ups: due dates, reminders with a frozen clock, quiet hours, opt-out, concerns."""

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core import clock
from core.clock import LOCAL_TZ
from extensions import db
from models import Concern, OutboxMessage, Pair, User
from services.followups import reminders
from services.pairs import lifecycle
from services.settings import get_settings
from services.sms import sender
from services.sms.outbox import after_quiet_hours
from services.sms.providers import SendResult
from tests.conftest import APPROVED_AT


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


class FakeBackend:
    """Stands in for a provider; records what it was asked to send."""

    name = "fake"

    def __init__(self, status="sent"):
        self.status, self.sent = status, []

    def send(self, message):
        self.sent.append(message)
        return SendResult(self.status, provider_message_id=f"p-{message.key}",
                          error="" if self.status == "sent" else self.status)


def outbox(app, **where):
    with app.app_context():
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in where.items():
            stmt = stmt.where(getattr(OutboxMessage, name) == value)
        return db.session.execute(stmt).scalars().all()


def sweep_at(app, moment):
    with app.app_context(), clock.frozen(moment):
        result = reminders.sweep(db.session, moment, get_settings(db.session))
        db.session.commit()
        return result


def send_at(app, moment, backend=None):
    backend = backend or FakeBackend()
    with app.app_context(), clock.frozen(moment):
        sender.send_due(db.session, backend, moment, commit=db.session.commit)
    return backend


def test_approval_plans_follow_ups_and_notifies(app, make_pair):
    made = make_pair()
    with app.app_context():
        pair = db.session.get(Pair, made["pair"])
        assert pair.next_contact_due == date(2026, 12, 15)
        assert pair.next_visit_due == date(2026, 12, 31)
    notices = outbox(app, subject="approval")
    assert {m.audience for m in notices} == {"volunteer", "guardian"}
    assert notices[0].params == {"child_given_name": "小明", "county": "横县"}
    sent = send_at(app, APPROVED_AT)
    assert {m.template for m in sent.sent} == {"pair_approved_volunteer",
                                               "pair_approved_guardian"}


def test_reminder_stages_each_exactly_once(app, make_pair):
    made = make_pair()
    due = date(2026, 12, 15)
    sweep_at(app, local(due - timedelta(days=1), 10))
    assert outbox(app, subject="contact") == []
    for _ in range(2):  # a double beat changes nothing
        sweep_at(app, local(due, 10))
    first = outbox(app, subject="contact")
    assert [m.template for m in first] == ["contact_due"]
    assert first[0].key == f"pair:{made['pair']}:contact:2026-12-15:due"
    assert first[0].params == {"child_given_name": "小明", "due_date": "12月15日"}
    sweep_at(app, local(due + timedelta(days=3), 10))
    sweep_at(app, local(due + timedelta(days=4), 10))
    assert [m.template for m in outbox(app, subject="contact")] == ["contact_due",
                                                                    "contact_overdue"]
    sweep_at(app, local(due + timedelta(days=14), 10))
    sweep_at(app, local(due + timedelta(days=15), 10))
    # No local welfare contact is set for this child: the coordinators are told so.
    escalations = outbox(app, template="escalation_no_local_contact", subject="contact")
    assert {m.recipient_user_id for m in escalations} == made["coordinators"]
    assert all(m.params["child_given_name"] == "小明" for m in escalations)


def test_quiet_hours_hold_reminders_until_morning(app, make_pair):
    make_pair()
    due = date(2026, 12, 15)
    night = local(due, 22, 30)
    sweep_at(app, night)
    [reminder] = outbox(app, subject="contact")
    assert reminder.not_before == local(due + timedelta(days=1), 8)
    send_at(app, night)  # the approval notices queued at approval may go; not the reminder
    early = send_at(app, local(due + timedelta(days=1), 7, 59))
    assert [m.template for m in early.sent] == []
    assert outbox(app, subject="contact")[0].status == "queued"
    morning = send_at(app, local(due + timedelta(days=1), 8, 0))
    assert [m.template for m in morning.sent if m.template == "contact_due"] == ["contact_due"]


def test_after_quiet_hours_function():
    start, end = 21, 8
    assert after_quiet_hours(local(date(2026, 1, 1), 12), start, end) == \
        local(date(2026, 1, 1), 12)
    assert after_quiet_hours(local(date(2026, 1, 1), 21), start, end) == \
        local(date(2026, 1, 2), 8)
    assert after_quiet_hours(local(date(2026, 1, 2), 3), start, end) == \
        local(date(2026, 1, 2), 8)
    assert after_quiet_hours(local(date(2026, 1, 2), 8), start, end) == \
        local(date(2026, 1, 2), 8)


def test_opted_out_number_gets_nothing_and_outbox_says_why(app, make_pair):
    made = make_pair()
    with app.app_context():
        from models import Volunteer

        phone = db.session.get(Volunteer, made["volunteer"]).phone
        assert sender.apply_reply(db.session, phone, " t ")
        db.session.commit()
    sent = send_at(app, APPROVED_AT)
    assert [m.audience for m in outbox(app, status="sent")] == ["guardian"]
    assert all(m.to != phone for m in sent.sent)
    [skipped] = [m for m in outbox(app, status="skipped")
                 if m.template == "pair_approved_volunteer"]
    assert skipped.reason == "opted out (reply)"


def test_logging_a_contact_moves_dates_and_cancels_reminders(app, make_pair, login, client):
    made = make_pair()
    sweep_at(app, local(date(2026, 12, 15), 22))  # queued for the morning
    assert [m.status for m in outbox(app, subject="contact")] == ["queued"]
    with app.app_context():
        from models import Volunteer

        login(db.session.get(Volunteer, made["volunteer"]).user_id)
    with clock.frozen(local(date(2026, 12, 15), 22, 30)):
        response = client.post(f"/followups/pairs/{made['pair']}/contact", data={
            "contact_date": "2026-12-15", "kind": "call", "duration_minutes": "25",
            "child_mood": "happy", "notes": "聊了学习", "concern_kind": "",
            "concern_text": ""})
    assert response.status_code == 302
    with app.app_context():
        pair = db.session.get(Pair, made["pair"])
        assert pair.next_contact_due == date(2026, 12, 29)
        assert pair.next_visit_due == date(2026, 12, 31)  # a call is not a visit
    [cancelled] = outbox(app, subject="contact")
    assert (cancelled.status, cancelled.reason) == ("skipped", "a contact was logged")


def test_concern_alerts_coordinators_at_once_and_stays_open(app, make_pair, login, client):
    made = make_pair()
    with app.app_context():
        from models import Volunteer

        login(db.session.get(Volunteer, made["volunteer"]).user_id)
    late = local(date(2026, 12, 3), 23, 30)
    with clock.frozen(late):
        client.post(f"/followups/pairs/{made['pair']}/contact", data={
            "contact_date": "2026-12-03", "kind": "home_visit", "duration_minutes": "60",
            "child_mood": "worried", "notes": "", "concern_kind": "abuse_neglect",
            "concern_text": "孩子身上有伤，说是被打的"})
    alerts = outbox(app, subject="concern")
    assert {m.recipient_user_id for m in alerts} == made["coordinators"]
    assert all(m.not_before <= late for m in alerts)  # no waiting for the morning
    # The commit woke the priority sender: sent at once, not at the next sweep.
    assert {m.status for m in alerts} == {"sent"}
    coordinator = min(made["coordinators"])
    staff = app.test_client()
    login(coordinator, staff)
    assert "alert-danger" in staff.get("/").get_data(as_text=True)
    with app.app_context():
        concern_id = db.session.execute(select(Concern.id)).scalar_one()
    staff.post(f"/followups/concerns/{concern_id}/close", data={"close-outcome": "",
                                                                 "close-close_reason": ""})
    with app.app_context():
        assert db.session.get(Concern, concern_id).status == "open"
    staff.post(f"/followups/concerns/{concern_id}/close", data={
        "close-outcome": "已联系派出所和村儿童主任", "close-close_reason": "孩子已由姑姑照看"})
    with app.app_context():
        assert db.session.get(Concern, concern_id).status == "closed"


def test_concern_without_text_is_refused(app, make_pair, login, client):
    made = make_pair()
    with app.app_context():
        from models import Volunteer

        login(db.session.get(Volunteer, made["volunteer"]).user_id)
    response = client.post(f"/followups/pairs/{made['pair']}/contact", data={
        "contact_date": clock.today_local().isoformat(), "kind": "call", "child_mood": "low",
        "concern_kind": "safety", "concern_text": ""})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.execute(select(Concern)).first() is None


def test_volunteer_cannot_log_on_someone_elses_pair(app, make_pair, login, client,
                                                    create_volunteer):
    made = make_pair()
    other = create_volunteer()
    with app.app_context():
        from models import Volunteer

        login(db.session.get(Volunteer, other).user_id)
    assert client.get(f"/followups/pairs/{made['pair']}/contact").status_code == 404


@pytest.mark.parametrize("status, expected", [("sent", "sent"), ("failed", "failed"),
                                              ("unknown", "unknown"), ("retry", "queued")])
def test_provider_outcomes(app, make_pair, status, expected):
    make_pair()
    send_at(app, APPROVED_AT, FakeBackend(status))
    messages = outbox(app, subject="approval")
    assert {m.status for m in messages} == {expected}
    if status == "retry":
        assert all(m.not_before == APPROVED_AT + timedelta(minutes=1) for m in messages)
        # After the last back-off the message has failed.
        moment = APPROVED_AT
        for _ in range(5):
            moment += timedelta(hours=2)
            send_at(app, moment, FakeBackend("retry"))
        assert {m.status for m in outbox(app, subject="approval")} == {"failed"}
        assert {m.attempts for m in outbox(app, subject="approval")} == {5}


def test_receipts_move_status_forward_only(app, make_pair):
    from services.sms.receipts import Receipt

    make_pair()
    send_at(app, APPROVED_AT)
    volunteer_msg, guardian_msg = outbox(app, subject="approval")
    with app.app_context():
        delivered = [Receipt(key=volunteer_msg.key, provider_message_id=None,
                             status="delivered", error="")]
        assert sender.apply_receipts(db.session, "aliyun", delivered) == 1
        assert sender.apply_receipts(db.session, "aliyun", delivered) == 0
        late_failure = [Receipt(key=volunteer_msg.key, provider_message_id=None,
                                status="failed", error="LATE")]
        assert sender.apply_receipts(db.session, "aliyun", late_failure) == 0
        by_id = [Receipt(key=None, provider_message_id=guardian_msg.provider_message_id,
                         status="failed", error="MOBILE_NUMBER_ILLEGAL")]
        assert sender.apply_receipts(db.session, "tencent", by_id) == 1
        db.session.commit()
    statuses = {m.audience: m.status for m in outbox(app, subject="approval")}
    assert statuses == {"volunteer": "delivered", "guardian": "failed"}


def test_interrupted_send_is_marked_unknown_not_resent(app, make_pair):
    make_pair()
    with app.app_context():
        message_id = sender.claim_next(db.session, APPROVED_AT)
        db.session.commit()  # the worker dies here, before calling the provider
    sweep_at(app, APPROVED_AT + timedelta(minutes=11))
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).status == "unknown"
    backend = send_at(app, APPROVED_AT + timedelta(minutes=12))
    assert all(m.key != outbox(app, id=message_id)[0].key for m in backend.sent)


def test_ending_a_pair_skips_its_queued_reminders(app, make_pair):
    made = make_pair()
    sweep_at(app, local(date(2026, 12, 15), 22))
    with app.app_context():
        pair = db.session.get(Pair, made["pair"])
        lifecycle.end_pair(db.session, db.session.get(User, min(made["coordinators"])), pair,
                       "孩子随父母外出")
        db.session.commit()
    assert [m.reason for m in outbox(app, subject="contact")] == ["the pair ended"]


def test_cli_sweep_with_now_and_file_backend(app, make_pair, runner):
    make_pair()
    sms_file = Path(app.config["SMS_FILE"])
    sms_file.unlink(missing_ok=True)
    result = runner.invoke(args=["reminders", "sweep", "--now", "2026-12-15T10:00:00+08:00",
                                 "--send"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in sms_file.read_text().splitlines()]
    assert {line["template"] for line in lines} == {"contact_due", "pair_approved_volunteer",
                                                    "pair_approved_guardian",
                                                    "volunteer_vetted"}
    assert all({"key", "to", "template", "params", "text", "sent_at"} <= set(line)
               for line in lines)
    for line in lines:  # never a full name or an ID number in any SMS
        assert "黄小明" not in line["text"] and "韦丽华" not in line["text"]
    bad = runner.invoke(args=["reminders", "sweep", "--now", "2026-12-15T10:00:00"])
    assert bad.exit_code != 0


def test_settings_page_changes_the_rhythm(app, client, login, create_user):
    login(create_user(role="admin"))
    response = client.post("/followups/settings", data={
        "contact_interval_days": "7", "visit_interval_days": "28", "second_reminder_days": "2",
        "local_contact_days": "4", "escalation_days": "5", "quiet_start": "22", "quiet_end": "7"})
    assert response.status_code == 302
    with app.app_context():
        settings = get_settings(db.session)
        assert (settings.contact_interval_days, settings.quiet_end) == (7, 7)
    bad = client.post("/followups/settings", data={
        "contact_interval_days": "7", "visit_interval_days": "28", "second_reminder_days": "5",
        "local_contact_days": "4", "escalation_days": "3", "quiet_start": "22", "quiet_end": "7"})
    assert bad.status_code == 200


def test_coordinator_pages(app, make_pair, client, login):
    made = make_pair()
    sweep_at(app, local(date(2026, 12, 30), 10))
    login(min(made["coordinators"]))
    with clock.frozen(local(date(2026, 12, 30), 10)):
        page = client.get("/followups/").get_data(as_text=True)
    assert "黄小明" in page and "韦丽华" in page
    assert client.get("/followups/outbox").status_code == 200
    assert client.get("/followups/outbox?status=queued").status_code == 200
    assert client.get("/followups/settings").status_code == 403


def test_real_providers_cannot_be_reached_from_tests():
    from services.sms.providers import Message, get_backend

    backend = get_backend("aliyun", {"ALIYUN_ACCESS_KEY_ID": "x", "ALIYUN_ACCESS_KEY_SECRET": "y",
                                     "ALIYUN_TEMPLATE_CODES": {"contact_due": "SMS_1"}})
    with pytest.raises(pytest.fail.Exception, match="real aliyun"):
        backend.send(Message(key="k", to="+8613800138000", template="contact_due",
                             params={"child_given_name": "小明", "due_date": "12月1日"}))


def test_receipt_and_reply_callbacks_over_http(app, make_app, make_pair):
    make_pair()
    send_at(app, APPROVED_AT)
    volunteer_msg, guardian_msg = outbox(app, subject="approval")
    web = make_app(SMS_CALLBACK_TOKEN="s3cret", WTF_CSRF_ENABLED=True)
    client = web.test_client()
    receipt = [{"phone_number": "13900000000", "success": True, "err_code": "DELIVERED",
                "biz_id": "b1", "out_id": volunteer_msg.key}]
    assert client.post("/followups/sms/aliyun/receipts?token=wrong", json=receipt
                       ).status_code == 403
    assert client.post("/followups/sms/aliyun/receipts", json=receipt).status_code == 403
    for _ in range(2):  # twice: applied once
        response = client.post("/followups/sms/aliyun/receipts?token=s3cret", json=receipt)
        assert response.status_code == 200 and response.get_json()["code"] == 0
    tencent = [{"mobile": "13700001234", "report_status": "FAIL", "errmsg": "MK:0001",
                "sid": guardian_msg.provider_message_id}]
    assert client.post("/followups/sms/tencent/receipts?token=s3cret",
                       json=tencent).status_code == 200
    statuses = {m.audience: m.status for m in outbox(app, subject="approval")}
    assert statuses == {"volunteer": "delivered", "guardian": "failed"}
    bad = client.post("/followups/sms/aliyun/receipts?token=s3cret", data="not json",
                      content_type="application/json")
    assert bad.status_code == 400
    reply = client.post("/followups/sms/tencent/replies?token=s3cret",
                        json={"mobile": "13700001234", "text": "退订"})
    assert reply.get_json()["opted_out"] == 1
    with app.app_context():
        from core.crypto import lookup_hash
        from models import OptOut

        assert db.session.execute(select(OptOut.phone_hash)).scalar_one() == \
            lookup_hash("+8613700001234")
