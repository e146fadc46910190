"""API basics: tokens, problem details, regions, children with scope and allowlists."""

import io
import re

from sqlalchemy import select

from core import clock
from extensions import db
from models import ApiToken, Child, User
from services.access import api_tokens
from services.shared.idcard import check_char
from tests.conftest import COUNTY_A, COUNTY_B, PASSWORD

ID_NUMBER = "45012720150302123" + check_char("45012720150302123")


def child_json(**overrides):
    body = {"name": "黄小明", "gender": "M", "birth_date": "2015-03-02",
            "region_code": COUNTY_A, "category": "left_behind", "needs": ["academic"],
            "priority": "urgent", "guardian_name": "黄奶奶", "guardian_relation": "grandparent",
            "guardian_phone": "13700001234", "id_number": ID_NUMBER,
            "consent": {"given_by": "黄奶奶", "relation": "grandparent", "method": "paper",
                        "given_on": "2026-01-10"}}
    body.update(overrides)
    return body


def test_openapi_document_and_docs_page(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "bearerAuth" in spec["components"]["securitySchemes"]
    assert "/api/v1/children/{child_id}" in spec["paths"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and b"swagger-ui-bundle.js" in page.data


def test_errors_are_problem_details(client, create_user, auth):
    response = client.get("/api/v1/children")
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "unauthenticated" and body["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/nowhere").get_json()["status"] == 404
    assert client.get("/api/v1/children", headers={"Authorization": "Bearer qs_nope"}
                      ).status_code == 401


def test_volunteer_token_by_login_and_role_check(client, app, create_volunteer):
    volunteer_id = create_volunteer(phone="13900007777")
    bad = client.post("/api/v1/auth/token", json={"phone": "13900007777", "password": "x"})
    assert bad.status_code == 401 and bad.get_json()["code"] == "bad_credentials"
    good = client.post("/api/v1/auth/token", json={"phone": "13900007777",
                                                   "password": PASSWORD})
    assert good.status_code == 201 and good.get_json()["role"] == "volunteer"
    headers = {"Authorization": f"Bearer {good.get_json()['token']}"}
    assert client.get("/api/v1/children", headers=headers).status_code == 403
    with app.app_context():
        record = db.session.execute(select(ApiToken)).scalar_one()
        assert record.token_hash != good.get_json()["token"]
        assert good.get_json()["token"] not in record.token_hash
    assert volunteer_id


def test_expired_revoked_and_disabled_tokens(client, app, create_user, auth):
    user_id = create_user()
    headers = auth(user_id, days=1)
    assert client.get("/api/v1/children", headers=headers).status_code == 200
    with clock.frozen(clock.now().replace(year=clock.now().year + 1)):
        assert client.get("/api/v1/children", headers=headers).status_code == 401
    with app.app_context():
        record = db.session.execute(select(ApiToken)).scalar_one()
        api_tokens.revoke(db.session, db.session.get(User, user_id), record.id)
        db.session.commit()
    assert client.get("/api/v1/children", headers=headers).status_code == 401
    other = auth(user_id)
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert client.get("/api/v1/children", headers=other).status_code == 401


def test_tokens_page_shows_a_token_once(client, app, create_user, login):
    login(create_user())
    page = client.post("/auth/tokens", data={"name": "台账系统", "days": "30"})
    token = re.search(r"qs_[A-Za-z0-9_-]{20,}", page.get_data(as_text=True)).group(0)
    assert page.headers["Cache-Control"] == "no-store"
    assert token not in client.get("/auth/tokens").get_data(as_text=True)
    assert client.get("/api/v1/children", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 200
    with app.app_context():
        token_id = db.session.execute(select(ApiToken.id)).scalar_one()
    client.post(f"/auth/tokens/{token_id}/revoke")
    assert client.get("/api/v1/children", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 401


def test_regions_are_public(client):
    provinces = client.get("/api/v1/regions").get_json()
    assert any(r["code"] == "450000" for r in provinces)
    counties = client.get("/api/v1/regions?parent=450100").get_json()
    assert any(r["code"] == COUNTY_A and r["leaf"] for r in counties)
    assert client.get("/api/v1/regions?parent=999999").status_code == 404
    assert client.get("/api/v1/regions?parent=abc").status_code == 422
    assert client.get(f"/api/v1/regions/{COUNTY_A}").get_json()["name"] == "横县"


def test_children_create_read_update_list(client, app, create_user, auth):
    headers = auth(create_user(regions=(COUNTY_A,)))
    created = client.post("/api/v1/children", json=child_json(), headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["has_consent"] and body["needs"] == ["academic"]
    assert body["id_number_masked"].endswith(ID_NUMBER[-4:])
    assert ID_NUMBER not in created.get_data(as_text=True)
    assert "13700001234" not in created.get_data(as_text=True)
    child_id = body["id"]
    patched = client.patch(f"/api/v1/children/{child_id}", json={"priority": "high"},
                           headers=headers)
    assert patched.status_code == 200 and patched.get_json()["priority"] == "high"
    listing = client.get("/api/v1/children?priority=high&page_size=10", headers=headers)
    assert listing.get_json()["total"] == 1 and listing.get_json()["page_size"] == 10
    assert client.get("/api/v1/children?page_size=1000", headers=headers).status_code == 422
    assert client.get("/api/v1/children?has_consent=false", headers=headers
                      ).get_json()["total"] == 0


def test_children_validation_and_mass_assignment(client, create_user, auth):
    headers = auth(create_user(regions=(COUNTY_A,)))
    bad = client.post("/api/v1/children", json=child_json(guardian_phone="123",
                                                          needs=["flying"]), headers=headers)
    assert bad.status_code == 422
    assert "needs" in bad.get_json()["errors"]
    wrong_phone = client.post("/api/v1/children", json=child_json(guardian_phone="123"),
                              headers=headers)
    assert wrong_phone.status_code == 422 and "guardian_phone" in wrong_phone.get_json()["errors"]
    sneaky = client.post("/api/v1/children", json=child_json(created_by_id=1,
                                                             external_id="X"), headers=headers)
    assert sneaky.status_code == 422
    assert {"created_by_id", "external_id"} <= set(sneaky.get_json()["errors"])
    outside = client.post("/api/v1/children", json=child_json(region_code=COUNTY_B),
                          headers=headers)
    assert outside.status_code == 409


def test_other_county_is_404_and_roles(client, app, create_user, create_child, auth,
                                       create_volunteer):
    other = create_user(regions=(COUNTY_B,))
    child_b = create_child(other, region_code=COUNTY_B)
    headers = auth(create_user(regions=(COUNTY_A,)))
    assert client.get(f"/api/v1/children/{child_b}", headers=headers).status_code == 404
    assert client.patch(f"/api/v1/children/{child_b}", json={"priority": "high"},
                        headers=headers).status_code == 404
    assert client.get("/api/v1/children", headers=headers).get_json()["total"] == 0
    admin = auth(create_user(role="admin"))
    assert client.get(f"/api/v1/children/{child_b}", headers=admin).status_code == 200


def test_children_import_through_the_api(client, app, create_user, auth):
    from services.imports import CHILD_COLUMNS

    headers = auth(create_user(regions=(COUNTY_A,)))
    good = ",".join(CHILD_COLUMNS) + "\nC1,黄小明,M,2015-03-02,450127,,,left_behind,academic," \
        "urgent,黄奶奶,13700001234,grandparent\n"
    response = client.post("/api/v1/children/import", headers=headers,
                           data={"file": (io.BytesIO(good.encode()), "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and response.get_json()["created"] == 1
    bad = good.replace("450127", "999999")
    response = client.post("/api/v1/children/import", headers=headers,
                           data={"file": (io.BytesIO(bad.encode()), "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "row 2" in response.get_json()["errors"]
    with app.app_context():
        assert len(db.session.execute(select(Child)).all()) == 1
