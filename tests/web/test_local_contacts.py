"""Local child-welfare contacts: set per child and per township, scoped, validated."""

from sqlalchemy import select

from extensions import db
from models import AuditEntry, User, WelfareContact
from services.followups import welfare_contacts
from services.regions import region_tree
from tests.conftest import COUNTY_A, COUNTY_B

CONTACT = {"role": "child_director", "name": "蒙主任", "phone": "136 0000 1111"}


def contacts(app):
    with app.app_context():
        stmt = select(WelfareContact).order_by(WelfareContact.id)
        return db.session.execute(stmt).scalars().all()


def test_child_page_sets_replaces_and_clears_the_childs_contact(app, client, login,
                                                               create_user, create_child):
    coordinator = create_user()
    child = create_child(coordinator, township="六景镇")
    login(coordinator)
    page = client.get(f"/children/{child}").get_data(as_text=True)
    assert "data-no-local-contact" in page
    assert client.post(f"/children/{child}/local-contact", data=CONTACT).status_code == 302
    client.post(f"/children/{child}/local-contact", data={**CONTACT, "name": "韦主任"})
    [saved] = contacts(app)
    assert (saved.child_id, saved.name, saved.phone) == (child, "韦主任", "+8613600001111")
    assert saved.phone_hash
    page = client.get(f"/children/{child}").get_data(as_text=True)
    assert "韦主任" in page and "136****1111" in page and "13600001111" not in page
    with app.app_context():
        actions = db.session.execute(select(AuditEntry.action)).scalars().all()
        assert "child.local_contact_set" in actions
    client.post(f"/children/{child}/local-contact/clear")
    assert contacts(app) == []


def test_child_contact_refuses_a_bad_phone_with_a_clear_message(app, client, login,
                                                                create_user, create_child):
    coordinator = create_user()
    child = create_child(coordinator)
    login(coordinator)
    response = client.post(f"/children/{child}/local-contact?lang=en",
                           data={**CONTACT, "phone": "12345"}, follow_redirects=True)
    assert "12345 is not a valid mainland mobile number" in response.get_data(as_text=True)
    assert contacts(app) == []


def test_child_contact_is_scoped_to_the_coordinators_counties(app, client, login, create_user,
                                                             create_child):
    other = create_user(regions=(COUNTY_B,))
    child = create_child(create_user())
    login(other)
    assert client.post(f"/children/{child}/local-contact", data=CONTACT).status_code == 404
    anonymous = app.test_client()
    assert contacts(app) == []
    assert anonymous.post(f"/children/{child}/local-contact",
                                      data=CONTACT).status_code == 302  # to the log-in page
    assert contacts(app) == []


def test_township_page_sets_lists_and_removes(app, client, login, create_user):
    coordinator = create_user()
    login(coordinator)
    assert client.get("/followups/local-contacts").status_code == 200
    data = {**CONTACT, "role": "supervisor", "region_code": COUNTY_A, "township": " 六景镇 "}
    assert client.post("/followups/local-contacts", data=data).status_code == 302
    client.post("/followups/local-contacts", data={**data, "name": "覃督导"})
    [saved] = contacts(app)
    assert (saved.region_code, saved.township, saved.role, saved.name) == (
        COUNTY_A, "六景镇", "supervisor", "覃督导")
    page = client.get("/followups/local-contacts").get_data(as_text=True)
    assert "覃督导" in page and "136****1111" in page
    assert client.post(f"/followups/local-contacts/{saved.id}/delete").status_code == 302
    assert contacts(app) == []


def test_township_page_refuses_another_county_and_bad_input(app, client, login, create_user):
    login(create_user())
    data = {**CONTACT, "region_code": COUNTY_B, "township": "中峰镇"}
    response = client.post("/followups/local-contacts?lang=en", data=data)
    assert response.status_code == 200
    assert "You do not cover region 450329." in response.get_data(as_text=True)
    response = client.post("/followups/local-contacts?lang=en",
                           data={**data, "region_code": COUNTY_A, "role": "mayor"})
    assert response.status_code == 200
    assert contacts(app) == []


def test_township_contacts_of_other_counties_are_neither_listed_nor_removable(
        app, client, login, create_user):
    login(create_user(regions=(COUNTY_B,)), client)
    client.post("/followups/local-contacts", data={**CONTACT, "region_code": COUNTY_B,
                                                   "township": "中峰镇"})
    [saved] = contacts(app)
    other = app.test_client()
    login(create_user(), other)
    assert "蒙主任" not in other.get("/followups/local-contacts").get_data(as_text=True)
    assert other.post(f"/followups/local-contacts/{saved.id}/delete").status_code == 404
    assert len(contacts(app)) == 1


def test_volunteers_cannot_reach_the_township_page(app, client, login, create_user,
                                                   create_volunteer):
    from models import Volunteer

    volunteer = create_volunteer(status="vetted", actor_id=create_user())
    with app.app_context():
        user_id = db.session.get(Volunteer, volunteer).user_id
    login(user_id)
    assert client.get("/followups/local-contacts").status_code == 403


def test_the_database_keeps_a_contact_either_a_childs_or_a_townships(app, create_user,
                                                                    create_child):
    import pytest
    from sqlalchemy.exc import IntegrityError

    child = create_child(create_user())
    with app.app_context():
        db.session.add(WelfareContact(child_id=child, region_code=COUNTY_A, township="六景镇",
                                      role="supervisor", name="x", phone="+8613600001111"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        for _ in range(2):
            db.session.add(WelfareContact(region_code=COUNTY_A, township="六景镇",
                                          role="supervisor", name="x", phone="+8613600001111"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_api_reads_sets_and_clears_a_childs_contact(app, client, auth, create_user,
                                                    create_child):
    coordinator = create_user()
    child = create_child(coordinator, township="六景镇石井村")
    headers = auth(coordinator)
    url = f"/api/v1/children/{child}/local-contact"
    assert client.get(url, headers=headers).get_json() == {"local_contact": None}
    with app.app_context():
        welfare_contacts.set_for_township(
            db.session, db.session.get(User, coordinator),
            {**CONTACT, "role": "supervisor", "region_code": COUNTY_A, "township": "六景镇"},
            region_tree(db.session))
        db.session.commit()
    assert client.get(url, headers=headers).get_json()["local_contact"] == {
        "role": "supervisor", "name": "蒙主任", "phone_masked": "136****1111",
        "source": "township", "township": "六景镇"}
    response = client.put(url, headers=headers, json={"role": "child_director", "name": "韦主任",
                                                      "phone": "13600002222"})
    assert response.status_code == 200
    assert response.get_json()["local_contact"]["source"] == "child"
    bad = client.put(url, headers=headers, json={"role": "child_director", "name": "韦主任",
                                                 "phone": "123"})
    assert bad.status_code == 422 and "phone" in bad.get_json()["errors"]
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).get_json()["local_contact"]["source"] == "township"
    other = auth(create_user(regions=(COUNTY_B,)))
    assert client.get(url, headers=other).status_code == 404
    assert client.put(url, headers=other, json={"role": "child_director", "name": "x",
                                                "phone": "13600002222"}).status_code == 404
