"""API matching: runs (202 + Location), their proposals in scope, approve and reject."""

import pytest

from extensions import db
from models import Volunteer
from tests.conftest import COUNTY_A, COUNTY_B

ID_NUMBER = "450127201503021234"


@pytest.fixture
def world(app, auth, create_user, create_volunteer, create_child):
    """County A: a coordinator, a vetted volunteer, two consented children; county B too."""
    coordinator = create_user(regions=(COUNTY_A,))
    volunteer = create_volunteer(status="vetted", actor_id=coordinator)
    first = create_child(coordinator, name="黄小明", id_number=ID_NUMBER)
    second = create_child(coordinator, name="黄小红", gender="F", priority="high",
                          guardian_phone="13700005678")
    with app.app_context():
        volunteer_user = db.session.get(Volunteer, volunteer).user_id
    return {"a": auth(coordinator), "b": auth(create_user(regions=(COUNTY_B,))),
            "volunteer": auth(volunteer_user), "admin": auth(create_user(role="admin")),
            "children": (first, second)}


def start(client, headers, region=COUNTY_A):
    return client.post("/api/v1/runs", json={"region_code": region}, headers=headers)


def test_a_run_is_accepted_with_its_location_and_runs(client, world):
    response = start(client, world["a"])
    assert response.status_code == 202, response.json
    url = response.json["url"]
    assert response.headers["Location"].endswith(url) and url == response.json["run"]["url"]
    run = client.get(url, headers=world["a"])
    assert run.status_code == 200
    body = run.json
    assert (body["status"], body["phase"], body["progress"], body["error"]) == (
        "done", "done", 1.0, "")
    assert body["stats"]["children"] == 2 and body["finished_at"]
    assert body["summary"]["open"] + body["summary"]["unpaired"] == 2
    assert client.get(url, headers=world["admin"]).status_code == 200


def test_proposals_are_paginated_filtered_and_never_show_ids_or_phones(client, world):
    url = start(client, world["a"]).json["url"]
    response = client.get(f"{url}/proposals?page_size=1", headers=world["a"])
    assert response.status_code == 200
    page = response.json
    assert page["total"] >= 1 and len(page["items"]) == 1
    item = page["items"][0]
    assert item["status"] == "open" and item["child_name"] in ("黄小明", "黄小红")
    assert isinstance(item["matched_needs"], list)
    text = client.get(f"{url}/proposals", headers=world["a"]).text
    assert ID_NUMBER not in text and "13700001234" not in text and "13900" not in text
    none = client.get(f"{url}/proposals?status=approved", headers=world["a"]).json
    assert none["items"] == [] and none["total"] == 0
    urgent = client.get(f"{url}/proposals?priority=urgent", headers=world["a"]).json
    assert all(p["priority"] == "urgent" for p in urgent["items"])
    assert client.get(f"{url}/proposals?status=maybe", headers=world["a"]).status_code == 422
    assert client.get(f"{url}/proposals?page=0", headers=world["a"]).status_code == 422


def test_roles_tokens_and_scope(client, world):
    url = start(client, world["a"]).json["url"]
    proposal = client.get(f"{url}/proposals", headers=world["a"]).json["items"][0]["id"]
    for method, path in (("post", "/api/v1/runs"), ("get", url), ("get", f"{url}/proposals"),
                         ("post", f"/api/v1/proposals/{proposal}/approve"),
                         ("post", f"/api/v1/proposals/{proposal}/reject")):
        call = getattr(client, method)
        body = {"region_code": COUNTY_A} if path == "/api/v1/runs" else {}
        assert call(path, json=body).status_code == 401, path
        assert call(path, json=body, headers=world["volunteer"]).status_code == 403, path
    assert client.get(url, headers=world["b"]).status_code == 404
    assert client.get(f"{url}/proposals", headers=world["b"]).status_code == 404
    assert client.post(f"/api/v1/proposals/{proposal}/approve",
                       headers=world["b"]).status_code == 404
    assert client.post(f"/api/v1/proposals/{proposal}/reject", json={},
                       headers=world["b"]).status_code == 404
    assert client.get("/api/v1/runs/999999", headers=world["a"]).status_code == 404
    assert client.post("/api/v1/proposals/999999/approve", headers=world["a"]).status_code == 404


def test_run_bodies_are_checked(client, world):
    outside = start(client, world["b"], COUNTY_A)
    assert outside.status_code == 409 and outside.json["code"] == "conflict"
    for body, field in (({}, "region_code"), ({"region_code": "abc"}, "region_code"),
                        ({"region_code": "999999"}, "region_code"),
                        ({"region_code": COUNTY_A, "status": "done"}, "status")):
        response = client.post("/api/v1/runs", json=body, headers=world["a"])
        assert response.status_code == 422, body
        assert field in response.json["errors"]


def test_approve_makes_a_pair_once(client, world):
    url = start(client, world["a"]).json["url"]
    proposal = client.get(f"{url}/proposals", headers=world["a"]).json["items"][0]
    path = f"/api/v1/proposals/{proposal['id']}"
    approved = client.post(f"{path}/approve", headers=world["a"])
    assert approved.status_code == 201, approved.json
    pair = approved.json
    assert pair["status"] == "active" and pair["child_id"] == proposal["child_id"]
    assert pair["volunteer_id"] == proposal["volunteer_id"]
    assert ID_NUMBER not in approved.text and "1370000" not in approved.text
    assert client.post(f"{path}/approve", headers=world["a"]).status_code == 409
    assert client.post(f"{path}/reject", json={}, headers=world["a"]).status_code == 409
    summary = client.get(url, headers=world["a"]).json["summary"]
    assert summary["approved"] == 1


def test_reject_records_the_reason(client, world):
    url = start(client, world["a"]).json["url"]
    proposal = client.get(f"{url}/proposals", headers=world["a"]).json["items"][0]["id"]
    path = f"/api/v1/proposals/{proposal}/reject"
    sneaky = client.post(path, json={"reason": "x", "status": "approved"}, headers=world["a"])
    assert sneaky.status_code == 422 and "status" in sneaky.json["errors"]
    too_long = client.post(path, json={"reason": "长" * 501}, headers=world["a"])
    assert too_long.status_code == 422 and "reason" in too_long.json["errors"]
    rejected = client.post(path, json={"reason": "距离太远"}, headers=world["a"])
    assert rejected.status_code == 200
    assert (rejected.json["status"], rejected.json["reject_reason"]) == ("rejected", "距离太远")
    assert rejected.json["decided_at"]
    assert client.post(path, json={}, headers=world["a"]).status_code == 409


def test_the_openapi_document_describes_every_status(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    expected = {
        ("post", "/api/v1/runs"): {"202", "401", "403", "409", "422"},
        ("get", "/api/v1/runs/{run_id}"): {"200", "401", "403", "404"},
        ("get", "/api/v1/runs/{run_id}/proposals"): {"200", "401", "403", "404", "422"},
        ("post", "/api/v1/proposals/{proposal_id}/approve"): {"201", "401", "403", "404",
                                                              "409"},
        ("post", "/api/v1/proposals/{proposal_id}/reject"): {"200", "401", "403", "404",
                                                             "409", "422"},
        ("post", "/api/v1/volunteers/signup"): {"202", "422", "429"},
        ("post", "/api/v1/volunteers/{volunteer_id}/status"): {"200", "401", "403", "404",
                                                               "409", "422"},
        ("post", "/api/v1/pairs/{pair_id}/end"): {"200", "401", "403", "404", "409", "422"},
        ("post", "/api/v1/pairs/{pair_id}/contacts"): {"201", "401", "403", "404", "409",
                                                       "422"},
        ("get", "/api/v1/dashboard"): {"200", "401", "403"},
    }
    for (method, path), statuses in expected.items():
        assert statuses <= set(paths[path][method]["responses"]), path
    assert "Location" in paths["/api/v1/runs"]["post"]["responses"]["202"]["headers"]
