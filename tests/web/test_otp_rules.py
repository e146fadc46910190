"""One-time codes (services.access.otp): expiry, tries, limits and storage, on a frozen clock."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from core import clock
from core.crypto import lookup_hash
from extensions import db
from models import OutboxMessage, PhoneCode, User, Volunteer
from services.access import accounts, otp
from services.registry import signup, volunteers
from services.sms import sender
from services.sms.providers import get_backend
from tests.conftest import volunteer_data
from tests.sms_codes import last_code, wrong

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PHONE = "+8613900001111"


@pytest.fixture(autouse=True)
def _own_sms_file(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SMS_FILE", str(tmp_path / "sms.jsonl"))


def _issue(purpose="reset", phone=PHONE, client="10.0.0.1", limits=None, at=T0):
    with clock.frozen(at):
        row = otp.issue(db.session, phone, purpose, client, limits or otp.Limits())
        db.session.commit()
        return row


def _send_all(app):
    backend = get_backend("file", {"SMS_FILE": app.config["SMS_FILE"]})
    with clock.frozen(T0 + timedelta(days=3)):  # whatever is queued is due
        sender.send_due(db.session, backend, clock.now(), commit=db.session.commit)


def _use(code, purpose="reset", at=T0):
    with clock.frozen(at):
        try:
            return otp._use_code(db.session, lookup_hash(PHONE), purpose, code)
        finally:
            db.session.commit()


def test_a_code_is_six_digits_sent_once_and_stored_only_hashed(app, ctx):
    row = _issue()
    _send_all(app)
    code = last_code(app, PHONE)
    assert len(code) == 6 and code.isdigit()
    assert row.code_hash != code and len(row.code_hash) == 64
    stored = db.session.execute(text("SELECT * FROM phone_codes")).all()
    assert stored and not any(code in str(value) for line in stored for value in line)
    assert not any(PHONE in str(value) or PHONE[3:] in str(value)
                   for line in stored for value in line)
    # The outbox row kept the code only until it was sent.
    message = db.session.execute(select(OutboxMessage)).scalar_one()
    assert (message.key, message.status) == (f"otp:{row.id}", "sent")
    assert message.params == {"code": "******"}
    outbox = db.session.execute(text("SELECT params FROM sms_outbox")).scalars().all()
    assert not any(code in str(value) for value in outbox)


def test_code_is_valid_for_ten_minutes(app, ctx):
    _issue()
    _send_all(app)
    code = last_code(app, PHONE)
    with pytest.raises(otp.CodeRejected, match="expired"):
        _use(code, at=T0 + timedelta(minutes=10))
    _issue(at=T0 + timedelta(minutes=11))
    _send_all(app)
    fresh = last_code(app, PHONE)
    assert _use(fresh, at=T0 + timedelta(minutes=20, seconds=59)).used_at is not None
    with pytest.raises(otp.CodeRejected):  # used once, never again
        _use(fresh, at=T0 + timedelta(minutes=21))


def test_at_most_five_tries_then_even_the_right_code_fails(app, ctx):
    _issue()
    _send_all(app)
    code = last_code(app, PHONE)
    for left in (4, 3, 2, 1):
        with pytest.raises(otp.CodeRejected) as refused:
            _use(wrong(code))
        assert refused.value.params == {"n": left}
    with pytest.raises(otp.CodeRejected, match="Too many"):
        _use(wrong(code))
    with pytest.raises(otp.CodeRejected, match="Too many"):
        _use(code)
    assert db.session.execute(select(PhoneCode.tries)).scalar_one() == 5


def test_the_database_refuses_a_sixth_try_and_two_codes_in_one_minute(app, ctx):
    row = _issue()
    db.session.execute(text("UPDATE phone_codes SET tries = 5"))
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE phone_codes SET tries = 6"))
    db.session.rollback()
    db.session.add(PhoneCode(phone_hash=row.phone_hash, purpose="signup", code_hash="x",
                             client_hash="", tries=0, issued_minute=row.issued_minute,
                             created_at=T0, expires_at=T0))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_newer_code_replaces_the_older_one(app, ctx):
    _issue()
    _send_all(app)
    first = last_code(app, PHONE)
    _issue(at=T0 + timedelta(minutes=2))
    _send_all(app)
    second = last_code(app, PHONE)
    if first != second:
        with pytest.raises(otp.CodeRejected):
            _use(first, at=T0 + timedelta(minutes=3))
    assert _use(second, at=T0 + timedelta(minutes=3)).used_at is not None


def test_one_code_a_minute_per_number(app, ctx):
    _issue()
    with pytest.raises(otp.TooManyCodes) as refused:
        _issue(at=T0 + timedelta(seconds=40), client="10.0.0.2")
    assert refused.value.retry_after == 20
    _issue(at=T0 + timedelta(seconds=61))
    # Another number is not held back.
    _issue(phone="+8613900002222", at=T0 + timedelta(seconds=62))


def test_ten_codes_a_day_per_number(app, ctx):
    for i in range(10):
        _issue(at=T0 + timedelta(minutes=2 * i), client=f"10.0.0.{i}")
    with pytest.raises(otp.TooManyCodes, match="today") as refused:
        _issue(at=T0 + timedelta(hours=5), client="10.9.9.9")
    assert refused.value.retry_after == 19 * 3600
    _issue(at=T0 + timedelta(days=1, seconds=1))


def test_codes_per_client_address(app, ctx):
    limits = otp.Limits(per_address_per_hour=3)
    for i in range(3):
        _issue(phone=f"+861390000300{i}", limits=limits, at=T0 + timedelta(minutes=i))
    with pytest.raises(otp.TooManyCodes, match="network"):
        _issue(phone="+8613900003009", limits=limits, at=T0 + timedelta(minutes=5))
    _issue(phone="+8613900003009", client="10.0.0.2", limits=limits,
           at=T0 + timedelta(minutes=5))
    _issue(phone="+8613900003008", limits=limits, at=T0 + timedelta(hours=1, seconds=1))


def test_signup_account_is_inactive_until_the_phone_is_verified(app, ctx, tree,
                                                                create_user):
    with clock.frozen(T0):
        phone_hash = signup.start(db.session, volunteer_data(), tree, "10.0.0.1")
        db.session.commit()
    volunteer = db.session.execute(select(Volunteer).where(
        Volunteer.phone_hash == phone_hash)).scalar_one()
    user = db.session.get(User, volunteer.user_id)
    assert (user.active, user.phone_verified_at) == (False, None)
    assert accounts.authenticate(db.session, "13900001111", volunteer_data()["password"]) \
        is None
    # Vetting does not activate the account, and the database refuses it outright.
    coordinator = db.session.get(User, create_user())
    volunteers.record_check(db.session, coordinator, volunteer, certificate_no="N1",
                            issuing_office="县公安局", issued_on=date(2026, 1, 1))
    volunteers.change_status(db.session, coordinator, volunteer, "vetted")
    db.session.commit()
    assert db.session.get(User, volunteer.user_id).active is False
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE users SET active = :yes WHERE id = :id"),
                           {"yes": True, "id": user.id})
    db.session.rollback()
    _send_all(app)
    with clock.frozen(T0 + timedelta(minutes=1)):
        with pytest.raises(otp.CodeRejected):
            otp.confirm_signup(db.session, user.phone_hash, wrong(last_code(app, PHONE)))
        db.session.commit()
        otp.confirm_signup(db.session, user.phone_hash, last_code(app, PHONE))
        db.session.commit()
    user = db.session.get(User, volunteer.user_id)
    assert user.active and user.phone_verified_at == T0 + timedelta(minutes=1)
    assert accounts.authenticate(db.session, "13900001111", volunteer_data()["password"]) \
        is not None


def test_a_code_reaches_a_number_that_opted_out(app, ctx):
    sender.opt_out(db.session, PHONE, "reply")
    db.session.commit()
    _issue()
    _send_all(app)
    assert db.session.execute(select(OutboxMessage.status)).scalar_one() == "sent"


def test_old_codes_are_deleted_by_the_daily_task(app, ctx):
    from tasks.retention import run

    _issue(at=T0)
    _issue(at=T0 + timedelta(days=1, hours=1))
    with clock.frozen(T0 + timedelta(days=2, minutes=1)):
        run.apply()
    kept = db.session.execute(select(PhoneCode.created_at)).scalars().all()
    assert kept == [T0 + timedelta(days=1, hours=1)]


def test_opting_out_does_not_cancel_a_code_on_its_way(app, ctx):
    _issue()
    sender.opt_out(db.session, PHONE, "reply")
    db.session.commit()  # wakes the priority sender, which sends it to the opted-out number
    assert db.session.execute(select(OutboxMessage.status)).scalar_one() == "sent"
