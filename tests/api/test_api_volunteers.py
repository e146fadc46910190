"""API volunteers: public sign-up, own profile, county-scoped listing and vetting."""

from datetime import timedelta

import pytest

from core import clock
from core.clock import now
from extensions import db
from models import Volunteer
from tests.conftest import COUNTY_A, COUNTY_B, PASSWORD


def user_of(app, volunteer_id):
    with app.app_context():
        return db.session.get(Volunteer, volunteer_id).user_id


def signup_body(**overrides):
    body = {"name": "韦丽华", "phone": "13900007777", "password": PASSWORD, "gender": "F",
            "region_code": COUNTY_A, "skills": ["academic", "emotional"], "capacity": 2,
            "max_distance_km": 30, "child_gender": "any", "privacy_consent": True,
            "availability": "周末", "motivation": "想帮助孩子"}
    body.update(overrides)
    return body


def test_signup_is_public_and_answers_without_personal_data(client, app):
    response = client.post("/api/v1/volunteers/signup", json=signup_body())
    assert response.status_code == 202, response.json
    assert response.json == {"expires_in": 600}
    with app.app_context():
        volunteer = db.session.query(Volunteer).one()
        assert volunteer.status == "pending" and volunteer.privacy_consent_at is not None


@pytest.mark.parametrize("overrides, field", [
    ({"privacy_consent": False}, "privacy_consent"),
    ({"skills": []}, "skills"),
    ({"capacity": 4}, "capacity"),
    ({"region_code": "abc"}, "region_code"),
    ({"region_code": "999999"}, "region_code"),
    ({"phone": "12345"}, "phone"),
    ({"password": "short"}, "password"),
    ({"status": "vetted"}, "status"),
    ({"user_id": 1}, "user_id"),
])
def test_signup_refuses_bad_bodies_field_by_field(client, overrides, field):
    response = client.post("/api/v1/volunteers/signup", json=signup_body(**overrides))
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert field in response.json["errors"]


def test_signup_missing_fields_and_taken_phone(client):
    response = client.post("/api/v1/volunteers/signup", json={})
    assert response.status_code == 422
    assert {"name", "phone", "password", "privacy_consent"} <= set(response.json["errors"])
    first = client.post("/api/v1/volunteers/signup", json=signup_body())
    with clock.frozen(now() + timedelta(minutes=2)):  # past the one-code-a-minute limit
        again = client.post("/api/v1/volunteers/signup", json=signup_body(name="别人"))
    assert (again.status_code, again.json) == (first.status_code, first.json) == \
        (202, {"expires_in": 600})


def test_list_is_scoped_filtered_and_masked(client, app, auth, create_user, create_volunteer):
    coordinator = create_user(regions=(COUNTY_A,))
    mine = create_volunteer(name="韦丽华", phone="13900005555")
    create_volunteer(status="vetted", actor_id=coordinator, name="黄志强")
    create_volunteer(region_code=COUNTY_B, name="李明")
    headers = auth(coordinator)
    response = client.get("/api/v1/volunteers", headers=headers)
    assert response.status_code == 200
    assert {v["name"] for v in response.json["items"]} == {"韦丽华", "黄志强"}
    assert response.json["total"] == 2 and "13900005555" not in response.text
    pending = client.get("/api/v1/volunteers?status=pending", headers=headers).json
    assert [v["id"] for v in pending["items"]] == [mine]
    found = client.get("/api/v1/volunteers?q=志强", headers=headers).json["items"]
    assert [v["name"] for v in found] == ["黄志强"]
    other = client.get(f"/api/v1/volunteers?region_code={COUNTY_B}", headers=headers)
    assert other.json["items"] == []
    vetted = client.get("/api/v1/volunteers?status=vetted", headers=headers).json["items"]
    assert vetted[0]["checks"][0]["certificate_no"] == "N1"
    assert client.get("/api/v1/volunteers?status=nope", headers=headers).status_code == 422
    assert client.get("/api/v1/volunteers?page_size=1000", headers=headers).status_code == 422


def test_roles_and_tokens(client, app, auth, create_user, create_volunteer):
    volunteer = create_volunteer()
    headers = auth(user_of(app, volunteer))
    assert client.get("/api/v1/volunteers").status_code == 401
    assert client.get("/api/v1/volunteers",
                      headers={"Authorization": "Bearer qs_nope"}).status_code == 401
    assert client.get("/api/v1/volunteers", headers=headers).status_code == 403
    assert client.get(f"/api/v1/volunteers/{volunteer}", headers=headers).status_code == 403
    assert client.post(f"/api/v1/volunteers/{volunteer}/status", headers=headers,
                       json={"status": "vetted"}).status_code == 403
    me = client.get("/api/v1/volunteers/me", headers=headers)
    assert me.status_code == 200 and me.json["id"] == volunteer
    assert "checks" not in me.json and "13900" not in me.text
    coordinator = auth(create_user())
    assert client.get("/api/v1/volunteers/me", headers=coordinator).status_code == 403
    assert client.get("/api/v1/volunteers/me").status_code == 401


def test_another_countys_volunteer_is_not_found(client, auth, create_user, create_volunteer):
    volunteer = create_volunteer()
    other = auth(create_user(regions=(COUNTY_B,)))
    for method, path, body in (
            ("get", f"/api/v1/volunteers/{volunteer}", None),
            ("post", f"/api/v1/volunteers/{volunteer}/checks",
             {"certificate_no": "N9", "issuing_office": "县公安局", "issued_on": "2026-01-05"}),
            ("post", f"/api/v1/volunteers/{volunteer}/status", {"status": "rejected",
                                                               "reason": "不合适"})):
        response = getattr(client, method)(path, json=body, headers=other)
        assert response.status_code == 404, path
    assert client.get("/api/v1/volunteers/999999", headers=auth(create_user())).status_code == 404


def test_vetting_state_machine(client, app, auth, create_user, create_volunteer):
    volunteer = create_volunteer()
    vol_headers = auth(user_of(app, volunteer))
    headers = auth(create_user(regions=(COUNTY_A,)))
    path = f"/api/v1/volunteers/{volunteer}"
    early = client.post(f"{path}/status", headers=headers, json={"status": "vetted"})
    assert early.status_code == 409
    bad_check = client.post(f"{path}/checks", headers=headers, json={
        "certificate_no": "N9", "issuing_office": "县公安局", "issued_on": "2999-01-01"})
    assert bad_check.status_code == 422 and "issued_on" in bad_check.json["errors"]
    blank = client.post(f"{path}/checks", headers=headers, json={
        "certificate_no": " ", "issuing_office": "县公安局", "issued_on": "2026-01-05"})
    assert blank.status_code == 422 and "certificate_no" in blank.json["errors"]
    sneaky = client.post(f"{path}/checks", headers=headers, json={
        "certificate_no": "N9", "issuing_office": "县公安局", "issued_on": "2026-01-05",
        "source": "import"})
    assert sneaky.status_code == 422 and "source" in sneaky.json["errors"]
    check = client.post(f"{path}/checks", headers=headers, json={
        "certificate_no": "N9", "issuing_office": "县公安局", "issued_on": "2026-01-05"})
    assert check.status_code == 201 and check.json["issued_on"] == "2026-01-05"
    vetted = client.post(f"{path}/status", headers=headers, json={"status": "vetted"})
    assert vetted.status_code == 200 and vetted.json["status"] == "vetted"
    assert client.post(f"{path}/status", headers=headers,
                       json={"status": "rejected", "reason": "x"}).status_code == 409
    no_reason = client.post(f"{path}/status", headers=headers, json={"status": "suspended"})
    assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]
    for body in ({"status": "pending"}, {"status": "vetted", "active_pairs": 3}, {}):
        assert client.post(f"{path}/status", headers=headers, json=body).status_code == 422
    suspended = client.post(f"{path}/status", headers=headers,
                            json={"status": "suspended", "reason": "投诉待查"})
    assert suspended.status_code == 200 and suspended.json["status_reason"] == "投诉待查"
    assert client.get("/api/v1/volunteers/me", headers=vol_headers).status_code == 401
    back = client.post(f"{path}/status", headers=headers, json={"status": "vetted"})
    assert back.status_code == 200 and back.json["status"] == "vetted"
    # A token from before the suspension never works again; a new log-in does.
    assert client.get("/api/v1/volunteers/me", headers=vol_headers).status_code == 401


def test_rejection_needs_a_reason(client, auth, create_user, create_volunteer):
    volunteer = create_volunteer()
    headers = auth(create_user())
    path = f"/api/v1/volunteers/{volunteer}/status"
    blank = client.post(path, headers=headers, json={"status": "rejected", "reason": "  "})
    assert blank.status_code == 422
    done = client.post(path, headers=headers, json={"status": "rejected", "reason": "材料不全"})
    assert done.status_code == 200 and done.json["status"] == "rejected"
    assert client.post(path, headers=headers, json={"status": "vetted"}).status_code == 409
