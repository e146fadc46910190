"""Sign-up verification and password reset by SMS code, through the pages."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core import clock
from extensions import db
from models import OutboxMessage, PhoneCode, User
from tests.conftest import PASSWORD, volunteer_data
from tests.sms_codes import last_code, sent_codes, wrong

PHONE = "+8613900001111"
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _own_sms_file(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SMS_FILE", str(tmp_path / "sms.jsonl"))


def _without_tokens(page: str) -> str:
    return re.sub(r'<input[^>]*csrf_token[^>]*>', "", page)


def _user(app, phone=PHONE):
    with app.app_context():
        from core.crypto import lookup_hash

        return db.session.execute(select(User).where(User.phone_hash == lookup_hash(phone))
                                  ).scalar_one()


def test_signup_account_works_only_after_the_code(client, app):
    response = client.post("/volunteers/signup", data=volunteer_data())
    assert response.headers["Location"].endswith("/auth/verify")
    assert _user(app).active is False
    assert client.get("/volunteers/me").status_code == 302  # not logged in
    code = last_code(app, PHONE)
    page = client.post("/auth/verify", data={"code": wrong(code)}).get_data(as_text=True)
    assert "验证码不正确" in page
    done = client.post("/auth/verify", data={"code": code})
    assert done.headers["Location"].endswith("/volunteers/me")
    assert client.get("/volunteers/me").status_code == 200
    user = _user(app)
    assert user.active and user.phone_verified_at is not None


def test_unverified_login_is_sent_to_verify_and_can_resend(client, app, make_app):
    client.post("/volunteers/signup", data=volunteer_data())
    other = app.test_client()
    wrong_password = other.post("/auth/login", data={"phone": "13900001111",
                                                     "password": "not-the-password"})
    assert "手机号或密码错误" in wrong_password.get_data(as_text=True)
    response = other.post("/auth/login", data={"phone": "13900001111", "password": PASSWORD})
    assert response.headers["Location"].endswith("/auth/verify")
    # Less than a minute after the sign-up's code: no second code, the first one works.
    assert len(sent_codes(app, PHONE)) == 1
    resend = other.post("/auth/verify/resend", follow_redirects=True)
    assert "一分钟" in resend.get_data(as_text=True)
    assert other.post("/auth/verify", data={"code": last_code(app, PHONE)}).status_code == 302
    assert other.get("/volunteers/me").status_code == 200


def test_password_reset_by_code(client, app, create_user, login):
    user_id = create_user(phone="13800005555")
    laptop = login(user_id, app.test_client())
    response = client.post("/auth/reset", data={"phone": "138 0000 5555"})
    assert response.headers["Location"].endswith("/auth/reset/code")
    code = last_code(app, "+8613800005555")
    short = client.post("/auth/reset/code", data={"code": code, "new": "short"})
    assert short.status_code == 200
    done = client.post("/auth/reset/code", data={"code": code, "new": "a-new-password"})
    assert done.headers["Location"].endswith("/auth/login")
    assert laptop.get("/children/").status_code == 302  # other sessions ended
    ok = client.post("/auth/login", data={"phone": "13800005555", "password": "a-new-password"})
    assert ok.status_code == 302
    old = app.test_client().post("/auth/login", data={"phone": "13800005555",
                                                      "password": PASSWORD})
    assert old.status_code == 200


def test_reset_does_not_tell_who_has_an_account(client, app, create_user):
    create_user(phone="13800005555")
    known = client.post("/auth/reset", data={"phone": "13800005555"}, follow_redirects=True)
    unknown = app.test_client().post("/auth/reset", data={"phone": "13800006666"},
                                     follow_redirects=True)
    assert _without_tokens(known.get_data(as_text=True)) == \
        _without_tokens(unknown.get_data(as_text=True))
    assert sent_codes(app, "+8613800006666") == []
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(PhoneCode)).scalar() == 2
        assert db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar() \
            == 1


def test_reset_page_limits_per_number_and_per_address(app, make_app, create_user):
    web = make_app(OTP_CODES_PER_ADDRESS_HOUR=2, SMS_FILE=app.config["SMS_FILE"])
    create_user(phone="13800005555")
    first, second = web.test_client(), web.test_client()
    assert first.post("/auth/reset", data={"phone": "13800005555"}).status_code == 302
    again = second.post("/auth/reset", data={"phone": "13800005555"},
                        environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert again.status_code == 200 and "一分钟" in again.get_data(as_text=True)
    assert first.post("/auth/reset", data={"phone": "13800006666"}).status_code == 302
    crowded = first.post("/auth/reset", data={"phone": "13800007777"})
    assert crowded.status_code == 200 and "网络" in crowded.get_data(as_text=True)
    elsewhere = second.post("/auth/reset", data={"phone": "13800007777"},
                            environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert elsewhere.status_code == 302
    assert len(sent_codes(app, "+8613800005555")) >= 1


def test_reset_verifies_a_number_someone_else_signed_up_with(client, app):
    """Whoever holds the phone can take over a sign-up that was never verified."""
    with clock.frozen(T0):
        client.post("/volunteers/signup", data=volunteer_data())
        owner = app.test_client()
        refused = owner.post("/auth/reset", data={"phone": "13900001111"})
        assert "一分钟" in refused.get_data(as_text=True)
    with clock.frozen(T0 + timedelta(minutes=2)):
        owner.post("/auth/reset", data={"phone": "13900001111"})
        code = last_code(app, PHONE)
        owner.post("/auth/reset/code", data={"code": code, "new": "owners-password"})
        login = owner.post("/auth/login", data={"phone": "13900001111",
                                                "password": "owners-password"})
    assert login.status_code == 302 and _user(app).active
