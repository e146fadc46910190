"""A coordinator reaches only the counties they cover; everything else is a 404."""

import pytest

from tests.conftest import CITY_A, COUNTY_A, COUNTY_B

CHILD_PAGES = [("get", "/children/{id}"), ("get", "/children/{id}/edit"),
               ("post", "/children/{id}/edit"), ("post", "/children/{id}/consent"),
               ("post", "/children/{id}/consent/withdraw")]
VOLUNTEER_PAGES = [("get", "/volunteers/{id}"), ("post", "/volunteers/{id}/checks"),
                   ("post", "/volunteers/{id}/vet"), ("post", "/volunteers/{id}/reject"),
                   ("post", "/volunteers/{id}/suspend"), ("post", "/volunteers/{id}/reinstate")]


@pytest.fixture
def two_counties(create_user, create_child, create_volunteer):
    a = create_user(regions=(COUNTY_A,))
    b = create_user(regions=(COUNTY_B,))
    return {
        "a": a, "b": b,
        "child_b": create_child(b, region_code=COUNTY_B, name="资源县孩子"),
        "volunteer_b": create_volunteer(region_code=COUNTY_B, name="资源县志愿者"),
        "child_a": create_child(a, name="横县孩子"),
    }


@pytest.mark.parametrize("method, url", CHILD_PAGES)
def test_other_countys_child_is_404(client, login, two_counties, method, url):
    login(two_counties["a"])
    response = getattr(client, method)(url.format(id=two_counties["child_b"]), data={})
    assert response.status_code == 404


@pytest.mark.parametrize("method, url", VOLUNTEER_PAGES)
def test_other_countys_volunteer_is_404(client, login, two_counties, method, url):
    login(two_counties["a"])
    response = getattr(client, method)(url.format(id=two_counties["volunteer_b"]),
                                       data={"reason": "x"})
    assert response.status_code == 404


def test_lists_show_only_own_counties(client, login, two_counties):
    login(two_counties["a"])
    children = client.get("/children/").get_data(as_text=True)
    assert "横县孩子" in children and "资源县孩子" not in children
    assert "资源县志愿者" not in client.get("/volunteers/").get_data(as_text=True)


def test_city_coordinator_covers_counties_below(client, login, create_user, two_counties):
    login(create_user(regions=(CITY_A,)))
    assert client.get(f"/children/{two_counties['child_a']}").status_code == 200
    assert client.get(f"/children/{two_counties['child_b']}").status_code == 404


def test_admin_sees_everything(client, login, create_user, two_counties):
    login(create_user(role="admin"))
    assert client.get(f"/children/{two_counties['child_b']}").status_code == 200
    assert client.get(f"/volunteers/{two_counties['volunteer_b']}").status_code == 200


def test_volunteer_sees_only_own_profile(client, app, login, create_volunteer, two_counties):
    from extensions import db
    from models import Volunteer

    volunteer_id = create_volunteer()
    with app.app_context():
        login(db.session.get(Volunteer, volunteer_id).user_id)
    assert client.get("/volunteers/me").status_code == 200
    assert client.get(f"/children/{two_counties['child_a']}").status_code == 403
    assert client.get("/children/").status_code == 403
    assert client.get(f"/volunteers/{two_counties['volunteer_b']}").status_code == 403


def test_cannot_register_child_outside_scope(client, app, login, two_counties):
    from sqlalchemy import func, select

    from extensions import db
    from models import Child
    from tests.conftest import child_data

    login(two_counties["a"])
    with app.app_context():
        before = db.session.execute(select(func.count()).select_from(Child)).scalar_one()
    response = client.post("/children/new", data=child_data(region_code=COUNTY_B))
    assert response.status_code == 200
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Child)).scalar_one() == before
