"""Priority classes: concern alerts and escalations first, then one-time codes, then the rest;
mandatory messages are never held by an opt-out, the daily cap or quiet hours."""

from datetime import datetime, timedelta

from sqlalchemy import select

from core import clock
from core.clock import LOCAL_TZ
from extensions import db
from models import OutboxMessage, User
from services.followups import reminders
from services.settings import get_settings
from services.sms import outbox, sender
from services.sms.templates import INTERACTIVE, MANDATORY, ROUTINE, TEMPLATES, priority_of
from tests.web.test_sms_failover import FakeProvider, rows, send

MORNING = datetime(2026, 12, 1, 10, 0, tzinfo=LOCAL_TZ)
PARAMS = {"verification_code": {"code": "123456"},
          "concern_raised": {"county": "横县", "kind": "安全"},
          "escalation_coordinator": {"volunteer_given_name": "丽华",
                                     "child_given_name": "小明", "days": "9"},
          "contact_due": {"child_given_name": "小明", "due_date": "12月15日"}}


def put(app, key, template, phone="+8613900001234", not_before=None, at=MORNING, **extra):
    """Queue one message, as if the broker were down: nothing wakes a sender on commit."""
    with app.app_context(), clock.frozen(at):
        outbox.queue(db.session, [outbox.message_row(
            key, template, "contact", "coordinator", phone, params=PARAMS[template],
            not_before=not_before, **extra)])
        db.session.info.pop(outbox.PRIORITY_QUEUED, None)
        db.session.commit()


def test_every_template_declares_its_class():
    mandatory = {code for code, t in TEMPLATES.items() if t.priority == "mandatory"}
    assert mandatory == {"concern_raised", "escalation_coordinator",
                         "escalation_no_local_contact", "escalation_local_contact",
                         "case_immediate_danger", "case_danger_local_contact",
                         "case_unacknowledged"}
    interactive = {"verification_code", "signup_has_account", "signup_on_ledger",
                   "application_received", "application_accepted", "application_declined"}
    assert {priority_of(code) for code in interactive} == {INTERACTIVE}
    assert {priority_of(code) for code in TEMPLATES.keys() - mandatory
            - interactive} == {ROUTINE}


def test_claims_take_the_class_first_then_due_time_then_queue_order(app):
    for i in range(5):
        put(app, f"routine:{i}", "contact_due", phone=f"+86139000010{i:02d}",
            not_before=MORNING - timedelta(hours=5 - i))
    put(app, "code", "verification_code")
    put(app, "concern", "concern_raised")
    provider = FakeProvider("fake")
    send(app, [provider], moment=MORNING + timedelta(minutes=1))
    assert [m.key for m in provider.sent] == [
        "concern", "code", *(f"routine:{i}" for i in range(5))]
    with app.app_context():
        stored = dict(db.session.execute(select(OutboxMessage.key, OutboxMessage.priority)).all())
    assert stored["concern"] == MANDATORY and stored["code"] == INTERACTIVE
    assert stored["routine:0"] == ROUTINE


def test_an_opted_out_coordinator_still_gets_concern_alerts_and_escalations(app):
    phone = "+8613900002222"
    with app.app_context():
        sender.opt_out(db.session, phone, "reply")
        db.session.commit()
    put(app, "concern", "concern_raised", phone=phone)
    put(app, "escalation", "escalation_coordinator", phone=phone)
    put(app, "code", "verification_code", phone=phone)
    put(app, "reminder", "contact_due", phone=phone)
    provider = FakeProvider("fake")
    send(app, [provider])
    assert {m.key for m in provider.sent} == {"concern", "escalation", "code"}
    [reminder] = [m for m in rows(app) if m.key == "reminder"]
    assert (reminder.status, reminder.reason) == ("skipped", "opted out (reply)")


def test_opting_out_skips_queued_routine_messages_only(app):
    phone = "+8613900003333"
    put(app, "concern", "concern_raised", phone=phone)
    put(app, "reminder", "contact_due", phone=phone)
    with app.app_context():
        sender.opt_out(db.session, phone, "reply")
        db.session.commit()
    assert {m.key: m.status for m in rows(app)} == {"concern": "queued", "reminder": "skipped"}


def test_the_daily_cap_never_holds_mandatory_messages(app):
    phone = "+8613900004444"
    for i in range(7):
        put(app, f"concern:{i}", "concern_raised", phone=phone)
        put(app, f"escalation:{i}", "escalation_coordinator", phone=phone)
        put(app, f"reminder:{i}", "contact_due", phone=phone)
    provider = FakeProvider("fake")
    send(app, [provider], daily_cap=5)
    sent = {m.key for m in provider.sent}
    assert {f"concern:{i}" for i in range(7)} | {f"escalation:{i}" for i in range(7)} <= sent
    assert len([key for key in sent if key.startswith("reminder")]) == 5
    held = [m for m in rows(app) if m.status == "queued"]
    assert len(held) == 2 and all("waits for the next day" in m.reason for m in held)


def test_quiet_hours_never_hold_mandatory_messages(app):
    night = datetime(2026, 12, 1, 23, 30, tzinfo=LOCAL_TZ)
    with app.app_context():
        settings = get_settings(db.session)
        morning = outbox.after_quiet_hours(night, settings.quiet_start, settings.quiet_end)
    assert morning > night
    put(app, "escalation", "escalation_coordinator", not_before=morning, at=night)
    put(app, "reminder", "contact_due", not_before=morning, at=night)
    due = {m.key: m.not_before for m in rows(app)}
    assert due["escalation"] == night and due["reminder"] == morning


def test_the_escalation_ladder_reaches_a_coordinator_at_night(app, make_pair):
    made = make_pair()
    night = datetime(2027, 1, 20, 23, 30, tzinfo=LOCAL_TZ)  # long overdue
    with app.app_context(), clock.frozen(night):
        reminders.sweep(db.session, night, get_settings(db.session))
        db.session.commit()
    escalations = [m for m in rows(app) if m.template.startswith("escalation")]
    assert escalations and all(m.not_before == night for m in escalations)
    assert {m.recipient_user_id for m in escalations} <= made["coordinators"]


def test_the_outbox_page_says_why_a_routine_message_waits(app, client, login, make_pair):
    made = make_pair()
    night = datetime(2026, 12, 1, 23, 30, tzinfo=LOCAL_TZ)
    morning = datetime(2026, 12, 2, 7, 0, tzinfo=LOCAL_TZ)
    with app.app_context():
        child_id = made["child"]
        coordinator = db.session.get(User, min(made["coordinators"]))
        coordinator_id = coordinator.id
    put(app, "reminder", "contact_due", not_before=morning, at=night, child_id=child_id)
    login(coordinator_id)
    with clock.frozen(night):
        page = client.get("/followups/outbox?status=queued").get_data(as_text=True)
    assert "免打扰时段，07:00 发送" in page  # the words of the coordinators' pages (issue 19)
