from sqlalchemy import select

from extensions import db
from models import User, Volunteer
from tests.conftest import volunteer_data
from tests.sms_codes import last_code


def test_signup_creates_pending_volunteer_and_logs_in_after_the_code(client, app,
                                                                    monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SMS_FILE", str(tmp_path / "sms.jsonl"))
    response = client.post("/volunteers/signup", data=volunteer_data())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/verify")
    response = client.post("/auth/verify", data={"code": last_code(app, "+8613900001111")})
    assert response.headers["Location"].endswith("/volunteers/me")
    with app.app_context():
        volunteer = db.session.execute(select(Volunteer)).scalar_one()
        assert volunteer.status == "pending"
        assert volunteer.phone == "+8613900001111"
        assert volunteer.skills == "academic;emotional"
        assert volunteer.privacy_consent_at is not None
        user = db.session.get(User, volunteer.user_id)
        assert user.role == "volunteer" and user.password_hash != volunteer_data()["password"]
    page = client.get("/volunteers/me")
    assert page.status_code == 200 and b"139****1111" in page.data


def _errors(client, **overrides):
    response = client.post("/volunteers/signup", data=volunteer_data(**overrides))
    assert response.status_code == 200  # the form again, with errors
    return response.get_data(as_text=True)


def test_bad_phone_is_reported(client, app):
    page = _errors(client, phone="12345")
    assert "12345" in page and "invalid-feedback" in page
    with app.app_context():
        assert db.session.execute(select(Volunteer)).first() is None


def test_missing_privacy_consent_is_reported(client, app):
    data = volunteer_data()
    del data["privacy_consent"]
    response = client.post("/volunteers/signup", data=data)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.execute(select(Volunteer)).first() is None


def test_capacity_out_of_range(client, app):
    _errors(client, capacity="5")
    with app.app_context():
        assert db.session.execute(select(Volunteer)).first() is None


def test_non_county_region_and_unknown_region(client, app):
    assert "450100" in _errors(client, region_code="450100")
    assert "999999" in _errors(client, region_code="999999")


def test_age_range_must_be_ordered(client, app):
    _errors(client, age_min="12", age_max="8")
    with app.app_context():
        assert db.session.execute(select(Volunteer)).first() is None


def test_same_phone_cannot_sign_up_twice(client, app):
    assert client.post("/volunteers/signup", data=volunteer_data()).status_code == 302
    client.post("/auth/logout")
    other = app.test_client()
    response = other.post("/volunteers/signup", data=volunteer_data(name="别人"))
    assert response.status_code == 200
    with app.app_context():
        assert len(db.session.execute(select(Volunteer)).all()) == 1


def test_signup_page_in_chinese_by_default(client):
    page = client.get("/volunteers/signup").get_data(as_text=True)
    assert "爱心家长" in page
