"""A claimed batch is checked as a whole (services.sms.batch): opt-outs, consent, disabled
recipients and the daily cap read in a few queries give every message the same outcome
as checking it on its own, and sending costs one UPDATE per message."""

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.pool import Pool

from core import clock
from extensions import db
from models import ConsentRecord, OutboxMessage, User
from services.sms import outbox, sender
from services.sms.failover import ProviderChain
from tests.web.test_sms_failover import MORNING, FakeProvider

REMINDER = {"child_given_name": "小明", "due_date": "12月15日"}
PARAMS = {"contact_due": REMINDER, "concern_raised": {"county": "横县", "kind": "安全"},
          "verification_code": {"code": "123456"},
          "application_received": {"child_given_name": "小明", "reference": "A1"}}
AUDIENCE = {"concern_raised": "coordinator"}
HELD = ("queued", "daily limit of 5 SMS for this number reached; waits for the next day")
SENT = ("sent", "")


def _phone(n: int) -> str:
    return f"+86139000077{n:02d}"


def _queue(app, key, template="contact_due", phone=1, **row):
    audience = row.pop("audience", AUDIENCE.get(template, "volunteer"))
    with app.app_context(), clock.frozen(MORNING):
        outbox.queue(db.session, [outbox.message_row(
            key, template, "contact", audience, _phone(phone), params=PARAMS[template],
            **row)])
        db.session.info.pop(outbox.PRIORITY_QUEUED, None)
        db.session.commit()


def _earlier(app, prefix, count, phone, template="contact_due", status="sent", token=None):
    """``count`` messages to ``phone`` that went out (or are going out) earlier today."""
    for i in range(count):
        _queue(app, f"{prefix}:{i}", template, phone)
    with app.app_context():
        db.session.execute(update(OutboxMessage)
                           .where(OutboxMessage.key.startswith(f"{prefix}:"))
                           .values(status=status, claimed_at=MORNING, claim_token=token))
        db.session.commit()


@pytest.fixture
def mixed(app, create_user, create_child):
    """One due message of every kind the checks tell apart, and what each must become."""
    coordinator = create_user()
    kept, withdrawn = create_child(coordinator), create_child(coordinator)
    active, disabled = create_user(), create_user()
    with app.app_context():
        db.session.execute(update(ConsentRecord).where(ConsentRecord.child_id == withdrawn)
                           .values(withdrawn_at=MORNING))
        db.session.get(User, disabled).active = False
        sender.opt_out(db.session, _phone(2), "reply")
        db.session.commit()
    _earlier(app, "capped-before", 5, phone=5)
    _earlier(app, "codes-before", 5, phone=6, template="verification_code")
    _earlier(app, "edge-before", 4, phone=7)
    _earlier(app, "busy-before", 4, phone=8)
    _earlier(app, "busy-elsewhere", 1, phone=8, status="sending", token="another")
    expected = {}

    def due(key, outcome, **row):
        _queue(app, key, **row)
        expected[key] = outcome

    due("normal", SENT, phone=1, child_id=kept, user_id=active)
    due("opted", ("skipped", "opted out (reply)"), phone=2)
    due("opted-and-withdrawn", ("skipped", "opted out (reply)"), phone=2, child_id=withdrawn)
    due("opted-alert", SENT, template="concern_raised", phone=2)
    due("opted-code", SENT, template="verification_code", phone=2)
    due("withdrawn", ("skipped", "guardian consent withdrawn"), phone=3, child_id=withdrawn,
        audience="guardian")
    due("withdrawn-to-coordinator", SENT, phone=3, child_id=withdrawn, audience="coordinator")
    due("withdrawn-alert", ("skipped", "guardian consent withdrawn"), template="concern_raised",
        phone=3, child_id=withdrawn, audience="volunteer")
    due("disabled", ("skipped", "recipient account disabled"), phone=4, user_id=disabled)
    due("disabled-alert", ("skipped", "recipient account disabled"), template="concern_raised",
        phone=4, user_id=disabled)
    due("capped", HELD, phone=5)
    due("capped-alert", SENT, template="concern_raised", phone=5)
    due("capped-code", SENT, template="verification_code", phone=5)
    due("code-over", ("skipped", "daily limit of 5 codes for this number reached"),
        template="verification_code", phone=6)
    due("code-other-kind", SENT, template="application_received", phone=6)
    due("routine-after-codes", SENT, phone=6)
    due("edge-first", SENT, phone=7)
    due("edge-second", HELD, phone=7)
    due("busy", HELD, phone=8)
    return expected


def _outcomes(app, keys):
    with app.app_context():
        return {key: (status, reason) for key, status, reason in db.session.execute(
            select(OutboxMessage.key, OutboxMessage.status, OutboxMessage.reason)
            .where(OutboxMessage.key.in_(keys)))}


@pytest.mark.parametrize("batch_size", [1, 100], ids=["one-by-one", "one-batch"])
def test_a_mixed_batch_gives_each_message_the_outcome_it_gets_on_its_own(app, mixed,
                                                                          batch_size):
    provider = FakeProvider("aliyun")
    with app.app_context(), clock.frozen(MORNING):
        sender.send_due(db.session, ProviderChain([provider]), MORNING,
                        commit=db.session.commit, batch_size=batch_size)
    assert _outcomes(app, list(mixed)) == mixed
    assert sorted(m.key for m in provider.sent) == sorted(
        key for key, outcome in mixed.items() if outcome == SENT)


def test_a_batch_costs_a_few_queries_and_one_update_per_message(app, mixed):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement.split(None, 1)[0].upper())

    with app.app_context(), clock.frozen(MORNING):
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            sender.send_due(db.session, ProviderChain([FakeProvider("aliyun")]), MORNING,
                            commit=db.session.commit, batch_size=100)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    # Two claims (the batch, then the empty one that ends the run), one UPDATE per message.
    assert statements.count("UPDATE") == 2 + len(mixed)
    # The ids in send order, the rows, opt-outs, consent, accounts, the cap and the
    # settings (for the held ones): never one per message.
    assert statements.count("SELECT") <= 7


def test_a_send_task_keeps_one_connection_for_its_whole_run(app):
    from tasks import reminders

    for i in range(5):
        _queue(app, f"run:{i}", phone=20 + i)
    checkouts = []

    def record(*args):
        checkouts.append(1)

    # Every pool: the task runs in the app context of whichever app made the Celery app.
    event.listen(Pool, "checkout", record)
    try:
        with app.app_context():
            reminders.send_due()
    finally:
        event.remove(Pool, "checkout", record)
    assert set(_outcomes(app, [f"run:{i}" for i in range(5)]).values()) == {SENT}
    assert len(checkouts) == 1  # not one per commit (each checkout pings the database)
