"""Malformed input anywhere gets a clear 4xx or a bounded value, never a 500: huge page
numbers, JSON nested very deep, lone surrogates, non-ASCII secrets, huge CSV cells, year 0."""

import json

import pytest

from tests.conftest import COUNTY_A
from tests.web.test_imports import upload

HUGE = "9223372036854775807"


def _get_rules(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(
                ("/static", "/api/v1/openapi", "/api/v1/docs")):
            yield rule.rule


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_every_page_takes_any_page_number(app, client, create_user, login, role,
                                          create_volunteer, create_child):
    user = create_user(role=role, regions=(COUNTY_A,) if role == "coordinator" else ())
    create_volunteer()
    create_child(user if role == "coordinator" else create_user())
    login(user)
    rules = list(_get_rules(app))
    assert {"/children/", "/volunteers/", "/followups/", "/matching/"} <= set(rules)
    for url in rules:
        for page in (HUGE, "-" + HUGE, "abc", "0"):
            answer = client.get(f"{url}?page={page}")
            answer.get_data()  # downloads stream: read them to the end
            answer.close()
            assert answer.status_code < 500, (url, page, answer.status_code)


def test_the_api_refuses_a_huge_page_number(client, create_user, auth):
    headers = auth(create_user())
    answer = client.get(f"/api/v1/children?page={HUGE}", headers=headers)
    assert answer.status_code == 422 and "page" in answer.json["errors"]


def _deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def test_deeply_nested_json_is_refused_everywhere(app, client):
    posts = [r.rule for r in app.url_map.iter_rules()
             if "POST" in r.methods and r.rule.startswith(("/api/", "/followups/sms/"))]
    assert "/api/v1/auth/token" in posts and "/api/v1/volunteers/signup" in posts
    for path in posts:
        path = path.replace("<int:", "").replace("<any(aliyun, tencent):provider>", "aliyun")
        path = path.replace("run_id>", "1").replace("proposal_id>", "1")
        path = "".join(part if ">" not in part else "1" + part.split(">", 1)[1]
                       for part in path.split("<"))
        for body in (_deep(50_000), b'{"phone": ' + _deep(40) + b"}"):
            answer = client.post(path, data=body, content_type="application/json")
            assert answer.status_code in (400, 401, 403, 404), (path, answer.status_code)
    answer = client.post("/api/v1/auth/token", data=_deep(50_000),
                         content_type="application/json")
    assert answer.status_code == 400 and answer.content_type == "application/problem+json"


def test_shallow_json_still_works(client, create_user):
    create_user(phone="13800001234")
    body = {"phone": "13800001234", "password": "correct-horse", "extra": [[[[1]]]]}
    assert client.post("/api/v1/auth/token", json=body).status_code in (201, 422)


LONE = '"\\ud800"'


@pytest.mark.parametrize("path, template", [
    ("/api/v1/auth/token", '{"phone": %s, "password": "x"}'),
    ("/api/v1/auth/token", '{"phone": "13800001234", "password": %s}'),
    ("/api/v1/auth/codes", '{"phone": %s, "purpose": "reset"}'),
    ("/api/v1/auth/verify", '{"phone": %s, "code": "123456"}'),
    ("/api/v1/auth/verify", '{"phone": "13800001234", "code": %s}'),
    ("/api/v1/volunteers/signup", None),
])
def test_lone_surrogates_are_replaced_at_the_edge(client, create_user, path, template):
    create_user(phone="13800001234")
    if template is None:
        from tests.api.test_api_volunteers import signup_body

        raw = json.dumps(signup_body(name="\ud800韦", motivation="\udfff"))
    else:
        raw = template % LONE
    answer = client.post(path, data=raw, content_type="application/json")
    assert answer.status_code in (202, 400, 401, 422), answer.status_code


def test_lone_surrogate_in_a_name_is_stored_as_a_replacement_character(app, client):
    from extensions import db
    from models import Volunteer
    from tests.api.test_api_volunteers import signup_body

    raw = json.dumps(signup_body(name="韦\ud800丽"))
    assert client.post("/api/v1/volunteers/signup", data=raw,
                       content_type="application/json").status_code == 202
    with app.app_context():
        assert db.session.query(Volunteer.name).scalar() == "韦\ufffd丽"


@pytest.mark.parametrize("token", ["é", "\u4e2d", "%ED%A0%80", "", "x" * 5000])
def test_sms_callbacks_refuse_any_wrong_token(app, client, monkeypatch, token):
    monkeypatch.setitem(app.config, "SMS_CALLBACK_TOKEN", "the-right-token")
    for path in ("/followups/sms/aliyun/receipts", "/followups/sms/tencent/replies"):
        answer = client.post(f"{path}?token={token}", json=[])
        assert answer.status_code == 403, (path, token)


def test_a_huge_csv_cell_is_a_clear_message(client, create_user, login):
    login(create_user())
    data = b"external_id,name\nC1,\"" + b"x" * 140_000 + b"\"\n"
    page = upload(client, "children", data, follow=True)
    assert page.status_code == 200
    assert "太长" in page.get_data(as_text=True)


@pytest.mark.parametrize("month", ["0000-01", "0001-12", "1999-12", "9999-12", "2026-13"])
def test_any_month_is_a_clear_message(client, create_user, login, month):
    login(create_user())
    answer = client.get(f"/dashboard/ledgers/month?month={month}")
    assert answer.status_code == 400
    assert "alert" in answer.get_data(as_text=True) or "invalid" in answer.get_data(
        as_text=True)
