"""API pairs and follow-ups: the volunteer's minimal view, ending pairs, contacts,
concerns, the SMS outbox and the dashboard, each within the caller's reach."""

from datetime import datetime

import pytest

from core import clock
from core.clock import LOCAL_TZ
from extensions import db
from models import User, Volunteer
from services.pairs import lifecycle
from tests.conftest import COUNTY_A, COUNTY_B

ID_NUMBER = "450127201503021234"
GUARDIAN_PHONE = "13700001234"
LATER = datetime(2026, 12, 15, 10, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def paired(app, auth, make_pair, create_user, create_volunteer):
    """make_pair's pair (county A) with tokens for its coordinator, its volunteer, another
    volunteer, a county B coordinator and an admin."""
    made = make_pair(id_number=ID_NUMBER)
    with app.app_context():
        volunteer_user = db.session.get(Volunteer, made["volunteer"]).user_id
        county_a = next(u for u in made["coordinators"]
                        if db.session.get(User, u).region_codes == [COUNTY_A])
    stranger = create_volunteer(status="vetted", actor_id=county_a, name="陆海")
    with app.app_context():
        stranger_user = db.session.get(Volunteer, stranger).user_id
    return {**made, "a": auth(county_a), "b": auth(create_user(regions=(COUNTY_B,))),
            "volunteer": auth(volunteer_user), "volunteer_id": made["volunteer"],
            "stranger": auth(stranger_user), "admin": auth(create_user(role="admin"))}


def contact(**overrides):
    body = {"contact_date": "2026-12-15", "kind": "call", "duration_minutes": 25,
            "child_mood": "fine", "notes": "聊了学习"}
    body.update(overrides)
    return body


def test_coordinators_see_their_countys_pairs_without_phones_or_ids(client, paired):
    response = client.get("/api/v1/pairs", headers=paired["a"])
    assert response.status_code == 200
    [item] = response.json["items"]
    assert item["id"] == paired["pair"] and item["child"]["name"] == "黄小明"
    assert set(item["child"]) == {"id", "name", "region_code", "priority", "township"}
    assert ID_NUMBER not in response.text and GUARDIAN_PHONE not in response.text
    assert client.get(f"/api/v1/pairs/{paired['pair']}", headers=paired["a"]).status_code == 200
    assert client.get("/api/v1/pairs", headers=paired["b"]).json["items"] == []
    assert client.get(f"/api/v1/pairs/{paired['pair']}", headers=paired["b"]).status_code == 404
    assert client.get("/api/v1/pairs?status=ended", headers=paired["a"]).json["total"] == 0
    assert client.get("/api/v1/pairs?status=gone", headers=paired["a"]).status_code == 422
    assert client.get("/api/v1/pairs").status_code == 401


def test_a_volunteer_sees_exactly_the_minimal_child_view(client, app, paired):
    response = client.get("/api/v1/pairs", headers=paired["volunteer"])
    assert response.status_code == 200
    [item] = response.json["items"]
    assert set(item) == {"id", "status", "started_at", "next_contact_due", "next_visit_due",
                         "child"}
    assert set(item["child"]) == set(lifecycle.VOLUNTEER_CHILD_FIELDS)
    with app.app_context():
        [expected] = lifecycle.volunteer_pairs(db.session, paired["volunteer_id"])
    assert item["child"] == expected["child"] and item["id"] == expected["pair_id"]
    assert ID_NUMBER not in response.text and "黄小明" not in response.text
    one = client.get(f"/api/v1/pairs/{paired['pair']}", headers=paired["volunteer"])
    assert one.status_code == 200 and one.json == item
    assert client.get("/api/v1/pairs", headers=paired["stranger"]).json["items"] == []
    assert client.get(f"/api/v1/pairs/{paired['pair']}",
                      headers=paired["stranger"]).status_code == 404


def test_ending_a_pair(client, paired):
    path = f"/api/v1/pairs/{paired['pair']}/end"
    assert client.post(path, json={"reason": "x"}).status_code == 401
    assert client.post(path, json={"reason": "x"}, headers=paired["volunteer"]).status_code == 403
    assert client.post(path, json={"reason": "x"}, headers=paired["b"]).status_code == 404
    for body in ({}, {"reason": "   "}, {"reason": "x", "status": "active"}):
        response = client.post(path, json=body, headers=paired["a"])
        assert response.status_code == 422, body
        assert set(response.json["errors"]) <= {"reason", "status"}
    ended = client.post(path, json={"reason": "家庭搬迁"}, headers=paired["a"])
    assert ended.status_code == 200
    assert (ended.json["status"], ended.json["end_reason"]) == ("ended", "家庭搬迁")
    again = client.post(path, json={"reason": "再次"}, headers=paired["a"])
    assert again.status_code == 409 and again.json["code"] == "conflict"
    assert client.get("/api/v1/pairs", headers=paired["volunteer"]).json["items"] == []
    assert client.get(f"/api/v1/pairs/{paired['pair']}",
                      headers=paired["volunteer"]).status_code == 404


def test_logging_and_reading_contacts(client, paired):
    path = f"/api/v1/pairs/{paired['pair']}/contacts"
    with clock.frozen(LATER):
        assert client.post(path, json=contact()).status_code == 401
        assert client.post(path, json=contact(), headers=paired["a"]).status_code == 403
        assert client.post(path, json=contact(), headers=paired["stranger"]).status_code == 404
        future = client.post(path, json=contact(contact_date="2026-12-20"),
                             headers=paired["volunteer"])
        assert future.status_code == 422 and "contact_date" in future.json["errors"]
        vague = client.post(path, json=contact(concern_kind="health"),
                            headers=paired["volunteer"])
        assert vague.status_code == 422 and "concern_text" in vague.json["errors"]
        for body, field in ((contact(kind="letter"), "kind"), (contact(pair_id=9), "pair_id"),
                            ({"kind": "call"}, "contact_date")):
            response = client.post(path, json=body, headers=paired["volunteer"])
            assert response.status_code == 422 and field in response.json["errors"]
        logged = client.post(path, json=contact(), headers=paired["volunteer"])
        assert logged.status_code == 201, logged.json
        assert logged.json["concern_id"] is None and logged.json["contact_date"] == "2026-12-15"
        worried = client.post(path, json=contact(concern_kind="health", concern_text="发烧"),
                              headers=paired["volunteer"])
        assert worried.status_code == 201 and worried.json["concern_id"]
        pair = client.get(f"/api/v1/pairs/{paired['pair']}", headers=paired["volunteer"]).json
        assert pair["next_contact_due"] == "2026-12-29"
    for who in ("volunteer", "a", "admin"):
        listed = client.get(path, headers=paired[who])
        assert listed.status_code == 200 and listed.json["total"] == 2, who
    assert client.get(path, headers=paired["b"]).status_code == 404
    assert client.get(path, headers=paired["stranger"]).status_code == 404
    assert client.get(path).status_code == 401


def test_contacts_on_an_ended_pair_are_refused(client, paired):
    client.post(f"/api/v1/pairs/{paired['pair']}/end", json={"reason": "结束"},
                headers=paired["a"])
    with clock.frozen(LATER):
        response = client.post(f"/api/v1/pairs/{paired['pair']}/contacts", json=contact(),
                               headers=paired["volunteer"])
    assert response.status_code == 409
    concern = client.post("/api/v1/concerns", headers=paired["volunteer"], json={
        "pair_id": paired["pair"], "kind": "safety", "text": "担心"})
    assert concern.status_code == 409


def test_concerns_are_raised_listed_and_closed(client, paired):
    body = {"pair_id": paired["pair"], "kind": "safety", "text": "孩子独自在家"}
    assert client.post("/api/v1/concerns", json=body).status_code == 401
    assert client.post("/api/v1/concerns", json=body, headers=paired["a"]).status_code == 403
    assert client.post("/api/v1/concerns", json=body,
                       headers=paired["stranger"]).status_code == 404
    for bad, field in (({**body, "text": " "}, "text"), ({**body, "kind": "x"}, "kind"),
                       ({**body, "status": "closed"}, "status"), ({"kind": "safety"}, "pair_id")):
        response = client.post("/api/v1/concerns", json=bad, headers=paired["volunteer"])
        assert response.status_code == 422 and field in response.json["errors"], bad
    raised = client.post("/api/v1/concerns", json=body, headers=paired["volunteer"])
    assert raised.status_code == 201 and raised.json["status"] == "open"
    assert "child_id" not in raised.json
    concern = raised.json["id"]
    listed = client.get("/api/v1/concerns?status=open", headers=paired["a"])
    assert listed.status_code == 200 and [c["id"] for c in listed.json["items"]] == [concern]
    assert ID_NUMBER not in listed.text and GUARDIAN_PHONE not in listed.text
    assert client.get("/api/v1/concerns", headers=paired["b"]).json["items"] == []
    assert client.get("/api/v1/concerns", headers=paired["volunteer"]).status_code == 403
    assert client.get("/api/v1/concerns?status=maybe", headers=paired["a"]).status_code == 422
    path = f"/api/v1/concerns/{concern}/action"
    assert client.post(path, json={"action": "x"}, headers=paired["volunteer"]).status_code == 403
    assert client.post(path, json={"action": "x"}, headers=paired["b"]).status_code == 404
    assert client.post(path, json={"action": ""}, headers=paired["a"]).status_code == 422
    assert client.post(path, json={"action": "x", "status": "closed"},
                       headers=paired["a"]).status_code == 422
    closed = client.post(path, json={"action": "已联系村委会上门"}, headers=paired["a"])
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert client.post(path, json={"action": "再次"}, headers=paired["a"]).status_code == 409
    assert client.get("/api/v1/concerns?status=open", headers=paired["a"]).json["total"] == 0


def test_the_outbox_is_scoped_and_masked(client, app, paired):
    response = client.get("/api/v1/reminders", headers=paired["a"])
    assert response.status_code == 200 and response.json["total"] >= 2
    assert {m["audience"] for m in response.json["items"]} >= {"volunteer", "guardian"}
    assert all("****" in m["to_phone_masked"] for m in response.json["items"])
    assert GUARDIAN_PHONE not in response.text and "+86" not in response.text
    own = client.get("/api/v1/reminders", headers=paired["volunteer"])
    assert own.status_code == 200 and own.json["total"] >= 1
    assert {m["audience"] for m in own.json["items"]} == {"volunteer"}
    assert {m["template"] for m in own.json["items"]} >= {"pair_approved_volunteer"}
    assert "+86" not in own.text
    stranger = client.get("/api/v1/reminders", headers=paired["stranger"]).json["items"]
    assert [m["template"] for m in stranger] == ["volunteer_vetted"]  # only their own notice
    assert client.get("/api/v1/reminders", headers=paired["b"]).json["total"] == 0
    queued = client.get("/api/v1/reminders?status=sent", headers=paired["a"]).json
    assert queued["total"] == 0
    assert client.get("/api/v1/reminders?status=lost", headers=paired["a"]).status_code == 422
    assert client.get("/api/v1/reminders").status_code == 401


def test_the_dashboard_counts_the_callers_counties(client, paired, create_child,
                                                   create_volunteer, app):
    with app.app_context():
        coordinator = db.session.get(Volunteer, paired["volunteer_id"]).checks[0].checked_by_id
    create_child(coordinator, name="黄小红", gender="F", priority="urgent")
    create_child(coordinator, name="黄小华", consent=False)
    create_volunteer(name="韦二")
    client.post("/api/v1/concerns", headers=paired["volunteer"], json={
        "pair_id": paired["pair"], "kind": "health", "text": "咳嗽"})
    response = client.get("/api/v1/dashboard", headers=paired["a"])
    assert response.status_code == 200
    body = response.json
    assert body["children"] == {"registered": 3, "with_consent": 2, "paired": 1,
                                "waiting": {"urgent": 1, "high": 0, "normal": 0},
                                "by_category": {"left_behind": 3, "in_difficulty": 0,
                                                "migrant": 0}}
    assert body["applications"]["received"] == 0
    assert body["volunteers"] == {"pending": 1, "vetted": 2, "at_capacity": 0}
    assert body["pairs"]["active"] == 1 and body["open_concerns"] == 1
    with clock.frozen(datetime(2027, 1, 20, 10, 0, tzinfo=LOCAL_TZ)):
        late = client.get("/api/v1/dashboard", headers=paired["a"]).json
    assert late["today"] == "2027-01-20" and late["pairs"]["overdue"] == 1
    assert late["pairs"]["compliant"] == 0 and late["pairs"]["compliance_share"] == 0.0
    other = client.get("/api/v1/dashboard", headers=paired["b"]).json
    assert other["children"]["registered"] == 0 and other["pairs"]["compliance_share"] is None
    assert client.get("/api/v1/dashboard", headers=paired["volunteer"]).status_code == 403
    assert client.get("/api/v1/dashboard").status_code == 401


def test_compliance_counts_recent_contacts(client, paired):
    with clock.frozen(LATER):
        client.post(f"/api/v1/pairs/{paired['pair']}/contacts", json=contact(),
                    headers=paired["volunteer"])
        figures = client.get("/api/v1/dashboard", headers=paired["a"]).json["pairs"]
    assert figures == {"active": 1, "compliant": 1, "compliance_share": 1.0, "overdue": 0}


def test_impossible_ids_and_broken_bodies_are_client_errors(client, paired):
    huge = 10**20
    for who, method, path in (("a", "get", f"/api/v1/pairs/{huge}"),
                              ("a", "get", f"/api/v1/pairs/{huge}/contacts"),
                              ("a", "post", f"/api/v1/concerns/{huge}/action"),
                              ("volunteer", "post", f"/api/v1/pairs/{huge}/contacts"),
                              ("a", "get", f"/api/v1/volunteers/{huge}"),
                              ("a", "get", f"/api/v1/runs/{huge}"),
                              ("a", "post", f"/api/v1/proposals/{huge}/approve")):
        body = {"action": "x"} if "action" in path else contact()
        response = getattr(client, method)(path, json=body, headers=paired[who])
        assert response.status_code == 404, path
    too_big = client.post("/api/v1/concerns", headers=paired["volunteer"], json={
        "pair_id": huge, "kind": "safety", "text": "x"})
    assert too_big.status_code == 422 and "pair_id" in too_big.json["errors"]
    broken = client.post(f"/api/v1/pairs/{paired['pair']}/end", data="{not json",
                         headers={**paired["a"], "Content-Type": "application/json"})
    assert broken.status_code == 400
    assert broken.content_type == "application/problem+json"
