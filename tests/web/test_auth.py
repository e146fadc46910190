import pytest

from tests.conftest import PASSWORD


def test_wrong_password_and_unknown_user_get_the_same_answer(client, create_user, app):
    from extensions import db
    from models import User

    user_id = create_user()
    with app.app_context():
        phone = db.session.get(User, user_id).phone
    wrong = client.post("/auth/login", data={"phone": phone, "password": "nope-nope"})
    unknown = client.post("/auth/login", data={"phone": "13999999999", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 200
    assert "手机号或密码错误" in wrong.get_data(as_text=True)
    # Apart from echoing the number typed, the two answers are the same page.
    assert wrong.get_data(as_text=True).replace(phone, "N") == \
        unknown.get_data(as_text=True).replace("13999999999", "N")


@pytest.mark.parametrize("target, expected", [
    ("/children/", "/children/"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
])
def test_next_redirect_is_validated(client, app, create_user, target, expected):
    from extensions import db
    from models import User

    user_id = create_user()
    with app.app_context():
        phone = db.session.get(User, user_id).phone
    response = client.post(f"/auth/login?next={target}",
                           data={"phone": phone, "password": PASSWORD})
    assert response.headers["Location"] == expected


def test_logout_really_ends_the_session(client, app, create_user, login):
    login(create_user())
    with client.session_transaction() as session:
        stolen = dict(session)
    client.post("/auth/logout")
    assert client.get("/children/").status_code == 302
    # A copy of the old cookie is worthless too.
    with client.session_transaction() as session:
        session.update(stolen)
    assert client.get("/children/").status_code == 302


def test_password_change_ends_other_sessions(app, create_user, login):
    user_id = create_user()
    phone_client, laptop = app.test_client(), app.test_client()
    login(user_id, phone_client)
    login(user_id, laptop)
    laptop.post("/auth/password", data={"current": PASSWORD, "new": "another-password"})
    assert laptop.get("/children/").status_code == 200
    assert phone_client.get("/children/").status_code == 302




def test_login_throttled_per_number_without_locking_out_others(make_app, create_user, app):
    from extensions import db
    from models import User

    throttled = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMITS="3 per minute")
    victim, other = create_user(), create_user()
    with app.app_context():
        victim_phone = db.session.get(User, victim).phone
        other_phone = db.session.get(User, other).phone
    attacker = throttled.test_client()
    codes = [attacker.post("/auth/login", data={"phone": victim_phone, "password": "x"})
             .status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # The same address can still log in as someone else, and the victim from elsewhere.
    ok = attacker.post("/auth/login", data={"phone": other_phone, "password": PASSWORD})
    assert ok.status_code == 302
    elsewhere = throttled.test_client()
    response = elsewhere.post("/auth/login", data={"phone": victim_phone, "password": PASSWORD},
                              environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 302


def test_csrf_is_enforced(make_app, create_user, app):
    from extensions import db
    from models import User

    protected = make_app(WTF_CSRF_ENABLED=True)
    user_id = create_user()
    with app.app_context():
        phone = db.session.get(User, user_id).phone
    client = protected.test_client()
    response = client.post("/auth/login", data={"phone": phone, "password": PASSWORD})
    assert response.status_code == 400
    page = client.get("/auth/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/auth/login",
                           data={"phone": phone, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert client.post("/auth/logout").status_code == 400


def test_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "object-src 'none'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_session_cookie_is_httponly_and_samesite(client, create_user, app):
    from extensions import db
    from models import User

    user_id = create_user()
    with app.app_context():
        phone = db.session.get(User, user_id).phone
    response = client.post("/auth/login", data={"phone": phone, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
