"""Nobody can tell from the answers (or their cost) whether a number has an account."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug import security

from core import clock
from core.clock import now
from extensions import db
from models import User
from services.access import accounts
from tests.api.test_api_volunteers import signup_body
from tests.conftest import PASSWORD, volunteer_data
from tests.sms_codes import sent_codes

KNOWN = "13800001234"


@pytest.fixture(autouse=True)
def _own_sms_file(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SMS_FILE", str(tmp_path / "sms.jsonl"))


def _templates_sent(app, phone):
    path = Path(app.config["SMS_FILE"])
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [json.loads(line)["template"] for line in lines if json.loads(line)["to"] == phone]


@pytest.fixture
def checks(monkeypatch):
    """The hash method of every password check made while logging in."""
    seen = []
    real = security.check_password_hash

    def spy(pwhash, password):
        seen.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", spy)
    return seen


@pytest.mark.parametrize("method", ["scrypt:1024:8:1", "pbkdf2:sha256:2000"])
def test_an_unknown_number_costs_one_check_with_the_real_method(app, client, create_user,
                                                                checks, monkeypatch,
                                                                method):
    monkeypatch.setitem(accounts.HASH_METHOD, "value", method)
    create_user(phone=KNOWN)
    with app.app_context():  # a hash made now, with the method under test
        user = db.session.query(User).one()
        user.password_hash = accounts.hash_password(PASSWORD)
        db.session.commit()
    for phone in (KNOWN, "13800009999", "not a number"):
        client.post("/auth/login", data={"phone": phone, "password": "wrong-password"})
        client.post("/api/v1/auth/token", json={"phone": phone, "password": "wrong-password"})
    assert checks == [method] * 6


def test_a_pending_sign_up_costs_one_check_too(app, client, checks):
    client.post("/volunteers/signup", data=volunteer_data(phone="13900001111"))
    client.post("/auth/login", data={"phone": "13900001111", "password": "wrong-password"})
    client.post("/auth/login", data={"phone": "13900009999", "password": "wrong-password"})
    assert len(checks) == 2


def _strip_volatile(response):
    return response.status_code, response.json


def test_api_sign_up_answers_a_known_number_like_a_new_one(app, client, create_user):
    create_user(phone=KNOWN)  # a coordinator's number
    new = client.post("/api/v1/volunteers/signup", json=signup_body(phone="13900004444"))
    known = client.post("/api/v1/volunteers/signup", json=signup_body(phone=KNOWN))
    assert _strip_volatile(known) == _strip_volatile(new) == (202, {"expires_in": 600})
    # The owner learns what to do from the SMS, without a code; nothing else changed.
    assert _templates_sent(app, "+86" + KNOWN) == ["signup_has_account"]
    assert sent_codes(app, "+86" + KNOWN) == []
    assert sent_codes(app, "+8613900004444")
    with app.app_context():
        coordinator = db.session.query(User).filter_by(role="coordinator").one()
        assert accounts.authenticate(db.session, KNOWN, PASSWORD).id == coordinator.id


def test_a_number_on_a_ledger_is_told_to_ask_the_coordinator(app, client, create_volunteer):
    create_volunteer(phone="13900002222")
    answer = client.post("/api/v1/volunteers/signup", json=signup_body(phone="13900002222"))
    assert _strip_volatile(answer) == (202, {"expires_in": 600})
    assert _templates_sent(app, "+8613900002222") == ["signup_has_account"]


def test_web_sign_up_and_code_page_answer_a_known_number_like_a_new_one(app, create_user):
    create_user(phone=KNOWN)
    pages = []
    for phone in ("13900004444", KNOWN):
        person = app.test_client()
        done = person.post("/volunteers/signup", data=volunteer_data(phone=phone))
        assert done.status_code == 302 and done.headers["Location"].endswith("/auth/verify")
        tried = person.post("/auth/verify", data={"code": "000000"}, follow_redirects=True)
        pages.append(re.sub(r'value="[\w.-]{40,}"', "",
                            tried.get_data(as_text=True)))
    assert "还可尝试 4 次" in pages[0]
    assert pages[0] == pages[1]


def test_code_requests_for_sign_up_answer_every_number_alike(app, client, create_user):
    create_user(phone=KNOWN)  # verified
    client.post("/api/v1/volunteers/signup", json=signup_body(phone="13900004444"))
    with clock.frozen(now() + timedelta(minutes=2)):  # past the one-a-minute limit
        answers = [_strip_volatile(client.post("/api/v1/auth/codes", json={
            "phone": phone, "purpose": "signup"}))
            for phone in (KNOWN, "13900004444", "13900009999")]
    assert answers == [(202, {"expires_in": 600})] * 3, answers
    assert sent_codes(app, "+86" + KNOWN) == sent_codes(app, "+8613900009999") == []
