"""The one-time code flow through the API: sign-up verification and password reset."""

import pytest

from tests.api.test_api_volunteers import signup_body
from tests.conftest import PASSWORD
from tests.sms_codes import last_code, sent_codes, wrong

PHONE = "+8613900007777"


@pytest.fixture(autouse=True)
def _own_sms_file(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SMS_FILE", str(tmp_path / "sms.jsonl"))


def _token(client, phone, password):
    return client.post("/api/v1/auth/token", json={"phone": phone, "password": password})


def test_signup_then_verify_gives_a_working_account(client, app):
    assert client.post("/api/v1/volunteers/signup", json=signup_body()).status_code == 202
    assert _token(client, "13900007777", PASSWORD).status_code == 401
    code = last_code(app, PHONE)
    refused = client.post("/api/v1/auth/verify", json={"phone": "13900007777",
                                                       "code": wrong(code)})
    assert refused.status_code == 422 and refused.json["code"] == "bad_code"
    assert "code" in refused.json["errors"]
    verified = client.post("/api/v1/auth/verify", json={"phone": "13900007777", "code": code})
    assert verified.status_code == 201, verified.json
    me = client.get("/api/v1/volunteers/me",
                    headers={"Authorization": f"Bearer {verified.json['token']}"})
    assert me.status_code == 200
    assert _token(client, "13900007777", PASSWORD).status_code == 201
    again = client.post("/api/v1/auth/verify", json={"phone": "13900007777", "code": code})
    assert again.status_code == 422


def test_verify_counts_tries(client, app):
    client.post("/api/v1/volunteers/signup", json=signup_body())
    code = last_code(app, PHONE)
    for _ in range(5):
        client.post("/api/v1/auth/verify", json={"phone": "13900007777", "code": wrong(code)})
    last = client.post("/api/v1/auth/verify", json={"phone": "13900007777", "code": code})
    assert last.status_code == 422 and "次数过多" in last.json["detail"]


def test_password_reset_by_code_ends_old_tokens(client, app, create_user, auth):
    user_id = create_user(phone="13800005555")
    old_headers = auth(user_id)
    sent = client.post("/api/v1/auth/codes", json={"phone": "13800005555",
                                                   "purpose": "reset"})
    assert sent.status_code == 202 and sent.json == {"expires_in": 600}
    code = last_code(app, "+8613800005555")
    short = client.post("/api/v1/auth/reset", json={"phone": "13800005555", "code": code,
                                                    "password": "short"})
    assert short.status_code == 422 and "password" in short.json["errors"]
    done = client.post("/api/v1/auth/reset", json={"phone": "13800005555", "code": code,
                                                   "password": "a-new-password"})
    assert done.status_code == 204
    assert client.get("/api/v1/dashboard", headers=old_headers).status_code == 401
    assert _token(client, "13800005555", "a-new-password").status_code == 201
    assert _token(client, "13800005555", PASSWORD).status_code == 401
    used = client.post("/api/v1/auth/reset", json={"phone": "13800005555", "code": code,
                                                   "password": "third-password"})
    assert used.status_code == 422


def test_code_requests_are_limited_per_number_and_per_address(app, make_app, create_user):
    api = make_app(OTP_CODES_PER_ADDRESS_HOUR=2, SMS_FILE=app.config["SMS_FILE"]).test_client()
    create_user(phone="13800005555")
    body = {"phone": "13800005555", "purpose": "reset"}
    assert api.post("/api/v1/auth/codes", json=body).status_code == 202
    again = api.post("/api/v1/auth/codes", json=body, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert again.status_code == 429 and 0 < int(again.headers["Retry-After"]) <= 60
    assert again.content_type == "application/problem+json"
    # Unknown numbers answer the same, and count towards the address's limit.
    unknown = api.post("/api/v1/auth/codes", json={"phone": "13800006666", "purpose": "reset"})
    assert unknown.status_code == 202 and sent_codes(app, "+8613800006666") == []
    crowded = api.post("/api/v1/auth/codes", json={"phone": "13800007777",
                                                   "purpose": "reset"})
    assert crowded.status_code == 429
    assert len(sent_codes(app, "+8613800005555")) == 1


def test_code_request_refuses_bad_input(client):
    bad_phone = client.post("/api/v1/auth/codes", json={"phone": "12345", "purpose": "reset"})
    assert bad_phone.status_code == 422 and "phone" in bad_phone.json["errors"]
    bad_purpose = client.post("/api/v1/auth/codes", json={"phone": "13800005555",
                                                          "purpose": "x"})
    assert bad_purpose.status_code == 422 and "purpose" in bad_purpose.json["errors"]
    no_signup = client.post("/api/v1/auth/codes", json={"phone": "13800005555",
                                                        "purpose": "signup"})
    assert no_signup.status_code == 202  # the same answer as for a sign-up waiting
