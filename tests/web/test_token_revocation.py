"""API tokens never outlive a password change, a suspension or a reinstatement; every
user can list and revoke their own tokens (page and API)."""

from extensions import db
from models import ApiToken, User, Volunteer
from services.registry import volunteers
from tests.conftest import PASSWORD


def _works(client, headers, path="/api/v1/regions"):
    return client.get("/api/v1/auth/tokens", headers=headers).status_code == 200


def test_a_password_change_revokes_every_token(client, create_user, login, auth):
    user = create_user()
    headers = auth(user)
    assert _works(client, headers)
    login(user)
    client.post("/auth/password", data={"current": PASSWORD, "new": "another-password"})
    assert not _works(client, headers)


def test_suspension_and_reinstatement_revoke_every_token(app, client, create_user,
                                                         create_volunteer, auth):
    coordinator = create_user()
    volunteer_id = create_volunteer(status="vetted", actor_id=coordinator)
    with app.app_context():
        volunteer_user = db.session.get(Volunteer, volunteer_id).user_id
    before = auth(volunteer_user)
    assert _works(client, before)
    with app.app_context():
        actor = db.session.get(User, coordinator)
        volunteer = db.session.get(Volunteer, volunteer_id)
        volunteers.change_status(db.session, actor, volunteer, "suspended", "调查中")
        db.session.commit()
        assert not _works(client, before)
        volunteers.change_status(db.session, actor, volunteer, "vetted")
        db.session.commit()
    assert not _works(client, before)  # nothing from before the suspension works again
    assert _works(client, auth(volunteer_user))


def test_a_volunteer_lists_and_revokes_their_own_tokens_by_api(app, client,
                                                              create_volunteer, auth,
                                                              create_user):
    with app.app_context():
        owner = db.session.get(Volunteer, create_volunteer()).user_id
    phone, laptop = auth(owner), auth(owner)
    someone_else = auth(create_user())
    listed = client.get("/api/v1/auth/tokens", headers=phone)
    assert listed.status_code == 200 and len(listed.json) == 2
    assert "token_hash" not in listed.text and "qs_" in listed.json[0]["prefix"]
    with app.app_context():
        others = db.session.query(ApiToken.id).filter(ApiToken.user_id != owner).scalar()
    assert client.post(f"/api/v1/auth/tokens/{others}/revoke",
                       headers=phone).status_code == 404
    assert _works(client, someone_else)
    laptop_id = [t["id"] for t in listed.json][0]
    assert client.post(f"/api/v1/auth/tokens/{laptop_id}/revoke",
                       headers=phone).status_code == 204
    assert sum(_works(client, h) for h in (phone, laptop)) == 1


def test_a_volunteer_revokes_tokens_on_the_page_but_creates_none(app, client,
                                                                create_volunteer, auth,
                                                                login):
    with app.app_context():
        owner = db.session.get(Volunteer, create_volunteer()).user_id
    headers = auth(owner)
    login(owner)
    page = client.get("/auth/tokens")
    assert page.status_code == 200 and "已登录的设备" in client.get("/volunteers/me").text
    assert client.post("/auth/tokens", data={"name": "x", "days": "30"}).status_code == 403
    with app.app_context():
        token_id = db.session.query(ApiToken.id).filter_by(user_id=owner).scalar()
    client.post(f"/auth/tokens/{token_id}/revoke")
    assert not _works(client, headers)
