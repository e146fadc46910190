"""Web hardening across the whole app: CSRF on every state-changing route, headers,
upload limits, formula escaping, consent withdrawal stopping messages at once."""

import io

import pytest

from services.shared.spreadsheet import escape_cell

#: Token-authenticated machine endpoints (no cookies, so no CSRF).
CSRF_EXEMPT_PREFIXES = ("/api/", "/followups/sms/")


def state_changing_rules(app):
    for rule in app.url_map.iter_rules():
        methods = rule.methods - {"GET", "HEAD", "OPTIONS"}
        if methods and not rule.rule.startswith(CSRF_EXEMPT_PREFIXES):
            yield rule, sorted(methods)


def _sample_url(rule: str) -> str:
    """A concrete URL for a rule: ints become 1, any(a, b) becomes a, strings x."""
    import re

    rule = re.sub(r"<any\(([^,)]+)[^)]*\):\w+>", lambda m: m.group(1).strip(), rule)
    rule = re.sub(r"<int:\w+>", "1", rule)
    return re.sub(r"<(?:string:)?\w+>", "x", rule)


def test_every_state_changing_route_needs_a_csrf_token(make_app, create_user, login):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    rules = list(state_changing_rules(app))
    assert len(rules) > 25  # the whole URL map, not a sample
    for rule, methods in rules:
        url = _sample_url(rule.rule)
        for method in methods:
            response = client.open(url, method=method, data={"x": "1"})
            assert response.status_code == 400, (method, rule.rule, response.status_code)


def test_no_route_changes_state_on_get(app):
    """Routes that accept GET and POST render a form on GET; every other write is POST-only."""
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.methods & {"PUT", "PATCH", "DELETE"}:
            pytest.fail(f"{rule.rule} mixes GET with {rule.methods}")
    post_only = [r.rule for r in app.url_map.iter_rules() if "POST" in r.methods
                 and "GET" not in r.methods]
    assert "/auth/logout" in post_only and any("approve" in r for r in post_only)


def test_signed_in_pages_and_api_are_never_cached(client, create_user, login):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    login(create_user())
    for url in ("/", "/children/", "/matching/", "/followups/"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    assert client.get("/api/v1/regions").headers["Cache-Control"] == "no-store"


def test_hsts_only_in_production(client, app):
    assert "Strict-Transport-Security" not in client.get("/").headers
    app.config["ENV_NAME"] = "production"
    try:
        assert "max-age" in client.get("/").headers["Strict-Transport-Security"]
    finally:
        app.config["ENV_NAME"] = "development"


def test_uploads_over_the_limit_are_refused(make_app, create_user, login):
    from extensions import db
    from models import User
    from services.access import api_tokens

    app = make_app(MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    user_id = create_user()
    login(user_id, client)
    with app.app_context():
        token, _ = api_tokens.create_token(db.session, db.session.get(User, user_id), "t")
        db.session.commit()
    big = io.BytesIO(b"x" * 4096)
    response = client.post("/children/import", data={"file": (big, "big.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    api = client.post("/api/v1/children/import", data={"file": (io.BytesIO(b"x" * 4096),
                                                                "b.csv")},
                      content_type="multipart/form-data",
                      headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 413 and api.content_type == "application/problem+json"


@pytest.mark.parametrize("value, expected", [
    ('=HYPERLINK("x")', "'=HYPERLINK(\"x\")"), ("+1+1", "'+1+1"), ("-2", "'-2"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("\ufeff=1", "'\ufeff=1"), ("黄小明", "黄小明"), ("", ""), (-2, -2), (None, None),
])
def test_formula_escaping(value, expected):
    assert escape_cell(value) == expected


def test_match_export_escapes_formulas(runner, app, make_pair):
    from extensions import db
    from models import Child, MatchRun

    made = make_pair()
    with app.app_context():
        db.session.get(Child, made["child"]).external_id = "=cmd|' /C calc'!A0"
        db.session.commit()
        run_id = db.session.execute(db.select(MatchRun.id)).scalar_one()
    output = runner.invoke(args=["match", "export", str(run_id)]).output
    assert "'=cmd" in output and "\n=cmd" not in output


def test_withdrawing_consent_skips_queued_messages_at_once(app, make_pair, client, login):
    from sqlalchemy import select

    from extensions import db
    from models import OutboxMessage

    made = make_pair()
    login(min(made["coordinators"]))
    client.post(f"/children/{made['child']}/consent/withdraw")
    with app.app_context():
        rows = db.session.execute(select(OutboxMessage.status, OutboxMessage.reason).where(
            OutboxMessage.child_id == made["child"])).all()
    assert rows and all(r == ("skipped", "guardian consent withdrawn") for r in rows)


def test_huge_ids_are_not_found_not_errors(client, create_user, login):
    login(create_user())
    assert client.get("/children/99999999999999999999").status_code == 404
    assert client.get("/api/v1/children/99999999999999999999").status_code == 404


def test_nul_characters_are_refused(client, create_user, login):
    from tests.conftest import child_data

    login(create_user())
    assert client.post("/children/new", data=child_data(name="黄\x00明")).status_code == 400
    assert client.get("/children/?q=a%00b").status_code == 400
    response = client.post("/api/v1/auth/token", data='{"phone": "1\\u0000", "password": "x"}',
                           content_type="application/json")
    assert response.status_code == 400 and response.content_type == "application/problem+json"
