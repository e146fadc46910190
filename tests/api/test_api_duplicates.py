"""API: possible duplicates per import row, the list within the caller's reach, link and
dismiss by either county, 404 for anyone else; nothing of the other county's child."""

import io
import json

from extensions import db
from models import ChildDuplicate
from services.imports import CHILD_COLUMNS
from tests.conftest import COUNTY_A, COUNTY_B
from tests.web.test_duplicates import ID_NUMBER, OTHER_COUNTY, SECRET, SECRET_TEXTS
from tests.web.test_imports import csv_bytes

ROWS = [
    ["F001", "陆清白", "F", "2014-01-05", COUNTY_A, "", "", "left_behind", "academic", "",
     "陆奶奶", "13700001111", "grandparent", ""],
    ["F002", "黄小明", "M", "2015-03-02", COUNTY_A, "", "", "left_behind", "academic", "",
     "黄奶奶", "13700001234", "grandparent", ID_NUMBER],
]


def assert_no_leak(body: str, b_child: int) -> None:
    for secret in SECRET_TEXTS:
        assert secret not in body, secret
    assert f'"other_child_id": {b_child}' not in body


def test_import_lists_duplicates_per_row_and_decisions_follow_the_policy(
        client, app, auth, create_user, create_child):
    a = create_user(regions=(COUNTY_A,), name="梁横县")
    b = create_user(regions=(COUNTY_B,), name="蒙资源")
    b_child = create_child(b, region_code=COUNTY_B, id_number=ID_NUMBER, **SECRET)
    a_headers = auth(a)

    data = csv_bytes(list(CHILD_COLUMNS) + ["id_number"], ROWS)
    response = client.post("/api/v1/children/import", headers=a_headers,
                           data={"file": (io.BytesIO(data), "ledger.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["created"] == 2
    [row] = body["possible_duplicates"]
    assert row["row"] == 3 and row["external_id"] == "F002"
    [notice] = row["notices"]
    assert notice["rule"] == "id_number" and notice["other_region_code"] == COUNTY_B
    assert notice["other_child_id"] is None
    assert [c["name"] for c in notice["contacts"]] == ["蒙资源"]
    assert_no_leak(json.dumps(body, ensure_ascii=False), b_child)

    listed = client.get("/api/v1/duplicates", headers=a_headers).json
    assert listed["total"] == 1 and listed["items"][0]["child_name"] == "黄小明"
    assert_no_leak(json.dumps(listed, ensure_ascii=False), b_child)
    duplicate_id = listed["items"][0]["id"]

    stranger = auth(create_user(regions=(OTHER_COUNTY,)))
    assert client.get("/api/v1/duplicates", headers=stranger).json["total"] == 0
    assert client.post(f"/api/v1/duplicates/{duplicate_id}/link",
                       headers=stranger).status_code == 404
    volunteer = auth(create_user(role="volunteer"))
    assert client.get("/api/v1/duplicates", headers=volunteer).status_code == 403

    b_headers = auth(b)
    seen_by_b = client.get("/api/v1/duplicates", headers=b_headers).json["items"][0]
    assert seen_by_b["child_id"] == b_child and seen_by_b["other_region_code"] == COUNTY_A
    linked = client.post(f"/api/v1/duplicates/{duplicate_id}/link", headers=b_headers)
    assert linked.status_code == 200 and linked.json["status"] == "linked"
    again = client.post(f"/api/v1/duplicates/{duplicate_id}/dismiss", headers=a_headers)
    assert again.status_code == 409
    assert client.get("/api/v1/duplicates?status=linked",
                      headers=a_headers).json["total"] == 1
    with app.app_context():
        assert db.session.get(ChildDuplicate, duplicate_id).decided_by_id == b


def test_dismiss_by_the_registering_county(client, auth, create_user, create_child):
    a = create_user(regions=(COUNTY_A,))
    b = create_user(regions=(COUNTY_B,))
    create_child(b, region_code=COUNTY_B, id_number=ID_NUMBER)
    create_child(a, id_number=ID_NUMBER)
    headers = auth(a)
    [item] = client.get("/api/v1/duplicates", headers=headers).json["items"]
    response = client.post(f"/api/v1/duplicates/{item['id']}/dismiss", headers=headers)
    assert response.status_code == 200 and response.json["status"] == "dismissed"
    assert client.get("/api/v1/duplicates", headers=headers).json["total"] == 0
    assert client.post("/api/v1/duplicates/99999999999/link",
                       headers=headers).status_code == 404
