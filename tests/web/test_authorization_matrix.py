"""The authorization matrix: every page and API operation that reads a record, for every
role, on a record of the caller's own county and of another county.

Generated from the URL map and the OpenAPI document, so a new route is checked the day it
is added. Expected: anonymous → log-in (web) or 401 (API); a volunteer → 403 (or 404
for another person's pair); a coordinator → 200 in their county and 404 elsewhere; an
admin → 200, except for a family's application (自主申报), which only the coordinators
of its county read: an admin's role may not (403).
"""

import re

import pytest

from extensions import db
from models import Concern, User, Volunteer
from services.access import api_tokens
from services.followups import contacts
from tests.conftest import COUNTY_A, COUNTY_B

#: Routes that are the volunteer's own, or public, and so outside this matrix.
OWN_OR_PUBLIC = {"/volunteers/me", "/followups/pairs/<int:pair_id>/contact", "/f/<token>",
                 "/feedback/requests/<int:request_id>", "/verify/<code>",
                 # the uploader's own list (tests/web/test_compare_before_import.py)
                 "/children/compare/<int:comparison_id>",
                 "/followups/pairs/<int:pair_id>/report", "/followups/pairs/<int:pair_id>/history",
                 "/followups/contacts/<int:contact_id>/edit"}
#: The volunteer's own pages: 200 for their own pair, 404 for anyone else's.
VOLUNTEER_OWN = ("/followups/pairs/<int:pair_id>/contact", "/followups/pairs/<int:pair_id>/report",
                 "/followups/pairs/<int:pair_id>/history")


@pytest.fixture
def world(app, make_pair, create_user, create_child):
    """Records in county A (with its coordinators) and the same kinds in county B."""
    a = make_pair()
    b = make_pair(county=COUNTY_B)
    with app.app_context():
        for made in (a, b):
            volunteer_user = db.session.get(Volunteer, made["volunteer"]).user_id
            made["volunteer_user"] = volunteer_user
            made["concern"] = contacts.raise_concern(
                db.session, db.session.get(User, volunteer_user), made["child"], "safety",
                "测试", pair_id=made["pair"]).id
        db.session.commit()
        from models import Proposal

        for made in (a, b):
            made["proposal"], made["run"] = db.session.execute(
                db.select(Proposal.id, Proposal.run_id).where(
                    Proposal.child_id == made["child"])).one()
        from services.imports import jobs

        for made in (a, b):
            starter = db.session.get(User, min(made["coordinators"]))
            made["job"] = jobs.queue_import(db.session, starter, "children", b"x").id
            # refused for its rows: the file is kept for the marked-up download route
            jobs.fail_import(db.session, made["job"], {"message": "Not imported", "params": {},
                                                       "problems": []}, keep_file=True)
        for number, (made, county) in enumerate(((a, COUNTY_A), (b, COUNTY_B))):
            made["application"] = submit_application(app, county, f"1360000{number:04d}")
        db.session.commit()
    return {"own": a, "other": b, "admin": create_user(role="admin")}


def _ids(made):
    return {"child_id": made["child"], "volunteer_id": made["volunteer"],
            "pair_id": made["pair"], "run_id": made["run"], "concern_id": made["concern"],
            "proposal_id": made["proposal"], "job_id": made["job"],
            "application_id": made["application"]}


def submit_application(app, county: str, phone: str) -> int:
    """A family's application in ``county`` (as the public page takes it)."""
    from services.applications import intake
    from services.regions import region_tree
    from services.shared.phones import normalise_phone

    raw = {"applicant_name": "王建国", "applicant_relation": "parent", "child_name": "王小军",
           "child_gender": "M", "child_birth_date": "2016-04-01", "region_code": county,
           "category": "left_behind", "needs": "academic", "situation": "父母外出务工",
           "consent": True, "signature": "王建国"}
    return intake.submit(db.session, normalise_phone(phone), raw, region_tree(db.session),
                         notice_text="告知", notice_version=intake.NOTICE_VERSION,
                         client="10.0.0.1").id


def _fill(rule: str, ids: dict) -> str | None:
    names = re.findall(r"<(?:int:)?(\w+)>", rule)
    if not names or any(n not in ids for n in names):
        return None
    for name in names:
        rule = re.sub(rf"<(?:int:)?{name}>", str(ids[name]), rule)
    return rule


def _web_rules(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.rule.startswith(
                ("/api/", "/static", "/regions", "/admin/")) \
                and rule.arguments and rule.rule not in OWN_OR_PUBLIC:
            yield rule.rule


def test_web_pages(app, world, login):
    coordinator_a = min(world["own"]["coordinators"])
    rules = list(_web_rules(app))
    assert len(rules) >= 6
    clients = {}
    for role, user in (("volunteer", world["own"]["volunteer_user"]),
                       ("coordinator", coordinator_a), ("admin", world["admin"])):
        clients[role] = app.test_client()
        login(user, clients[role])
    anonymous = app.test_client()
    for rule in rules:
        own, other = _fill(rule, _ids(world["own"])), _fill(rule, _ids(world["other"]))
        assert own, rule
        assert anonymous.get(own).status_code == 302, rule
        assert clients["volunteer"].get(own).status_code == 403, rule
        assert clients["coordinator"].get(own).status_code == 200, rule
        assert clients["coordinator"].get(other).status_code == 404, rule
        expected = 403 if rule.startswith("/applications/") else 200
        assert clients["admin"].get(other).status_code == expected, rule
    assert any(rule.startswith("/applications/") for rule in rules)
    # Admin pages: for administrators only, whatever the record.
    admin_rules = [r.rule for r in app.url_map.iter_rules()
                   if r.rule.startswith("/admin/") and "GET" in r.methods]
    assert admin_rules
    for rule in admin_rules:
        url = re.sub(r"<(?:int:)?\w+>", str(coordinator_a), rule)
        assert anonymous.get(url).status_code == 302, rule
        assert clients["volunteer"].get(url).status_code == 403, rule
        assert clients["coordinator"].get(url).status_code == 403, rule
        assert clients["admin"].get(url).status_code == 200, rule


def test_api_operations(app, world, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    tokens = {}
    with app.app_context():
        for role, user in (("volunteer", world["own"]["volunteer_user"]),
                           ("coordinator", min(world["own"]["coordinators"])),
                           ("admin", world["admin"])):
            token, _ = api_tokens.create_token(db.session, db.session.get(User, user), "m")
            tokens[role] = {"Authorization": f"Bearer {token}"}
        db.session.commit()
    checked = 0
    for path, operations in spec["paths"].items():
        if "get" not in operations or "{" not in path:
            continue
        rule = re.sub(r"\{(\w+)\}", r"<\1>", path)
        own, other = _fill(rule, _ids(world["own"])), _fill(rule, _ids(world["other"]))
        if own is None:  # regions are public and keyed by code
            continue
        checked += 1
        assert client.get(own).status_code == 401, path
        assert client.get(own, headers=tokens["coordinator"]).status_code == 200, path
        assert client.get(other, headers=tokens["coordinator"]).status_code == 404, path
        assert client.get(other, headers=tokens["admin"]).status_code == 200, path
        volunteer_own = client.get(own, headers=tokens["volunteer"]).status_code
        volunteer_other = client.get(other, headers=tokens["volunteer"]).status_code
        assert volunteer_own in (200, 403), path  # 200 only for their own pair
        assert volunteer_other in (403, 404), path
    assert checked >= 6
    assert Concern  # (concerns are reached through the pages above)


#: The volunteer's own pages (no record id in the URL: the record is the signed-in person's).
def _own_rules(app):
    return sorted(r.rule for r in app.url_map.iter_rules()
                  if r.rule.startswith("/volunteers/me/") and "GET" in r.methods)


def test_own_pages(app, world, login):
    """Anonymous → log-in; the volunteer → their own page; staff have no such page → 404."""
    rules = _own_rules(app)
    assert {"/volunteers/me/profile", "/volunteers/me/phone", "/volunteers/me/withdraw",
            "/volunteers/me/pairs", "/volunteers/me/hours", "/volunteers/me/certificate.pdf"} \
        <= set(rules)
    anonymous = app.test_client()
    staff = {role: login(user, app.test_client()) for role, user in (
        ("coordinator", min(world["own"]["coordinators"])), ("admin", world["admin"]))}
    volunteer = login(world["own"]["volunteer_user"], app.test_client())
    for rule in rules:
        assert anonymous.get(rule).status_code == 302, rule
        assert volunteer.get(rule).status_code in (200, 302), rule  # 302: nothing waiting
        for role, client in staff.items():
            assert client.get(rule).status_code in (403, 404), (role, rule)


def test_service_record_pages(app, world, login):
    """Confirming service time: coordinators in their counties, admins everywhere, never
    a volunteer; the certificate check is public."""
    from tests.conftest import COUNTY_A

    rules = sorted(r.rule for r in app.url_map.iter_rules()
                   if r.rule.startswith("/service-records/") and "GET" in r.methods)
    assert rules == ["/service-records/", "/service-records/hours.xlsx"]
    anonymous = app.test_client()
    volunteer = login(world["own"]["volunteer_user"], app.test_client())
    coordinator = login(min(world["own"]["coordinators"]), app.test_client())
    admin = login(world["admin"], app.test_client())
    for rule in rules:
        own, other = f"{rule}?county={COUNTY_A}", f"{rule}?county={COUNTY_B}"
        assert anonymous.get(own).status_code == 302, rule
        assert volunteer.get(own).status_code == 403, rule
        assert coordinator.get(own).status_code == 200, rule
        assert coordinator.get(other).status_code == 404, rule
        assert admin.get(other).status_code == 200, rule
    assert anonymous.get("/verify/AAAAAAAAAAAA").status_code == 404  # public, no log-in

def test_application_decisions(app, world, login):
    """Every decision on an application: coordinators of its county only; else 403/404."""
    posts = [r.rule for r in app.url_map.iter_rules()
             if r.rule.startswith("/applications/<") and "POST" in r.methods]
    assert len(posts) == 3
    coordinator_a = min(world["own"]["coordinators"])
    callers = {}
    for role, user in (("volunteer", world["own"]["volunteer_user"]),
                       ("coordinator", coordinator_a), ("admin", world["admin"])):
        callers[role] = app.test_client()
        login(user, callers[role])
    anonymous = app.test_client()
    data = {"method": "phone", "note": "x", "reason": "x", "priority": "normal"}
    for rule in posts:
        own, other = _fill(rule, _ids(world["own"])), _fill(rule, _ids(world["other"]))
        assert anonymous.post(own, data=data).status_code == 302, rule
        assert callers["volunteer"].post(own, data=data).status_code == 403, rule
        assert callers["coordinator"].post(other, data=data).status_code == 404, rule
        assert callers["admin"].post(other, data=data).status_code == 403, rule
    with app.app_context():
        from models import Application

        assert {a.status for a in db.session.execute(db.select(Application)).scalars()} \
            == {"waiting"}


def test_volunteer_pages_reach_only_their_own_pair(app, world, login):
    volunteer = login(world["own"]["volunteer_user"], app.test_client())
    coordinator = login(min(world["own"]["coordinators"]), app.test_client())
    for rule in VOLUNTEER_OWN:
        assert volunteer.get(_fill(rule, _ids(world["own"]))).status_code == 200, rule
        assert volunteer.get(_fill(rule, _ids(world["other"]))).status_code == 404, rule
        assert coordinator.get(_fill(rule, _ids(world["own"]))).status_code == 403, rule
