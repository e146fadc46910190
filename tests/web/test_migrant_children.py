"""Migrant children (流动儿童): the category, the county of household registration (户籍地),
and the category in forms, imports, exports, the dashboard, the API and the migration."""

from datetime import datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from core import clock
from core.clock import LOCAL_TZ
from extensions import db
from models import Child
from services.imports import CHILD_COLUMNS
from tests.conftest import COUNTY_A, COUNTY_B, child_data
from tests.web.test_imports import csv_bytes, upload
from tests.web.test_ledger_exports import download, table

HUKOU = "510129"  # 大邑县, Chengdu: a county in another province
MIGRANT = {"category": "migrant", "sub_type": "with_migrant_parents",
           "hukou_region_code": HUKOU}


def test_register_a_migrant_child_with_the_county_of_household_registration(
        client, app, create_user, login):
    login(create_user())
    response = client.post("/children/new", data=child_data(**MIGRANT))
    assert response.status_code == 302
    with app.app_context():
        child = db.session.execute(select(Child)).scalar_one()
        assert (child.category, child.region_code, child.hukou_region_code) == (
            "migrant", COUNTY_A, HUKOU)
        child_id = child.id
    page = client.get(f"/children/{child_id}").get_data(as_text=True)
    assert "流动儿童" in page and "随父母外出务工" in page and "大邑县" in page


@pytest.mark.parametrize(("fields", "message"), [
    ({"category": "migrant", "sub_type": "", "hukou_region_code": ""}, "必填"),
    ({**MIGRANT, "hukou_region_code": COUNTY_A}, "户籍地"),
    ({"category": "left_behind", "sub_type": "", "hukou_region_code": HUKOU}, "只有流动儿童"),
    ({"category": "left_behind", "sub_type": "with_migrant_parents"}, "流动儿童"),
    ({**MIGRANT, "sub_type": "orphan"}, "流动儿童"),
])
def test_household_registration_rules_say_what_to_fix(client, app, create_user, login,
                                                      fields, message):
    login(create_user())
    response = client.post("/children/new", data=child_data(**fields))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(Child)).first() is None


def test_the_database_refuses_a_household_registration_on_another_category(
        app, create_user, create_child):
    child_id = create_child(create_user())
    with app.app_context(), pytest.raises(Exception, match="hukou_only_migrant"):
        db.session.execute(text("UPDATE children SET hukou_region_code = :code WHERE id = :id"),
                           {"code": HUKOU, "id": child_id})
        db.session.flush()
    with app.app_context():
        db.session.rollback()


def test_import_reads_chinese_category_names_and_the_household_registration(
        client, app, create_user, login):
    login(create_user())
    header = [*CHILD_COLUMNS, "sub_type", "hukou_region_code"]
    rows = [["M001", "王小军", "M", "2016-04-01", COUNTY_A, "", "", "流动儿童", "academic",
             "", "王建", "13700002222", "parent", "随父母流动", HUKOU],
            ["M002", "李小红", "F", "2015-09-09", COUNTY_A, "", "", "农村留守儿童", "emotional",
             "", "李奶奶", "13700003333", "grandparent", "父母均外出务工", ""]]
    page = upload(client, "children", csv_bytes(header, rows), follow=True)
    assert page.status_code == 200
    with app.app_context():
        found = {c.external_id: c for c in db.session.execute(select(Child)).scalars()}
        assert (found["M001"].category, found["M001"].sub_type,
                found["M001"].hukou_region_code) == ("migrant", "with_migrant_parents", HUKOU)
        assert (found["M002"].category, found["M002"].sub_type,
                found["M002"].hukou_region_code) == ("left_behind", "both_parents_away", None)


def test_import_of_a_migrant_row_without_household_registration_fails_whole(
        client, app, create_user, login):
    login(create_user())
    header = [*CHILD_COLUMNS, "hukou_region_code"]
    rows = [["M001", "王小军", "M", "2016-04-01", COUNTY_A, "", "", "migrant", "academic",
             "", "王建", "13700002222", "parent", ""]]
    page = upload(client, "children", csv_bytes(header, rows), follow=True)
    assert "hukou_region_code" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(Child)).first() is None


def test_export_dashboard_and_month_report_count_each_category(
        client, app, create_user, create_child, login):
    coordinator = create_user()
    with clock.frozen(datetime(2026, 11, 20, 10, 0, tzinfo=LOCAL_TZ)):
        create_child(coordinator, **MIGRANT)
        create_child(coordinator, name="韦小花", category="in_difficulty", sub_type="orphan")
        create_child(coordinator, name="黄小军")
    with clock.frozen(datetime(2026, 12, 3, 10, 0, tzinfo=LOCAL_TZ)):
        create_child(coordinator, name="王小军", **MIGRANT)
    create_child(create_user(regions=(COUNTY_B,)), region_code=COUNTY_B, **MIGRANT)
    login(coordinator)
    when = datetime(2026, 12, 10, 10, 0, tzinfo=LOCAL_TZ)
    rows = table(download(client, "/dashboard/ledgers/children?fmt=csv", when), "csv")
    column = {name: i for i, name in enumerate(rows[0])}
    migrant = [r for r in rows[1:] if r[column["类别"]] == "流动儿童"]
    assert len(migrant) == 2 and len(rows) == 5
    assert migrant[0][column["户籍地"]].endswith("大邑县")
    assert migrant[0][column["具体情况"]] == "随父母外出务工"
    with clock.frozen(when):
        body = client.get("/dashboard/data").json
        page = client.get("/dashboard/").get_data(as_text=True)
    assert body["totals"]["children"]["by_category"] == {
        "left_behind": 1, "in_difficulty": 1, "migrant": 2}
    assert 'data-figure="category_migrant">2<' in page
    month = table(download(client, "/dashboard/ledgers/month?month=2026-11&fmt=csv", when),
                  "csv")
    assert month[0][9:12] == ["已登记留守儿童", "已登记困境儿童", "已登记流动儿童"]
    assert month[1][9:12] == ["1", "1", "1"]
    month = table(download(client, "/dashboard/ledgers/month?month=2026-12&fmt=csv", when),
                  "csv")
    assert month[1][9:12] == ["1", "1", "2"] and month[-1][9:12] == ["1", "1", "2"]


def test_api_writes_reads_and_filters_migrant_children(client, create_user, auth):
    headers = auth(create_user())
    body = {**child_data(**MIGRANT), "needs": ["academic"]}
    del body["id_number"]
    created = client.post("/api/v1/children", json=body, headers=headers)
    assert created.status_code == 201, created.json
    assert created.json["hukou_region_code"] == HUKOU
    other = {**body, "name": "李小红", "category": "left_behind", "sub_type": None,
             "hukou_region_code": None}
    assert client.post("/api/v1/children", json=other, headers=headers).status_code == 201
    listed = client.get("/api/v1/children?category=migrant", headers=headers).json
    assert [c["name"] for c in listed["items"]] == ["黄小明"]
    same = client.post("/api/v1/children", json={**body, "hukou_region_code": COUNTY_A},
                       headers=headers)
    assert same.status_code in (409, 422) and "hukou_region_code" in str(same.json)


def test_children_list_filters_by_category_and_rules_page_names_it(
        client, create_user, create_child, login):
    coordinator = create_user()
    create_child(coordinator, name="王小军", **MIGRANT)
    create_child(coordinator, name="李小红")
    login(coordinator)
    page = client.get("/children/?category=migrant").get_data(as_text=True)
    assert "王小军" in page and "李小红" not in page
    rules = client.get("/matching/rules").get_data(as_text=True)
    assert "流动儿童" in rules and "户籍地" in rules


def test_migration_keeps_every_existing_child_as_it_is(tmp_path):
    from app import create_app

    old = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI":
                      f"sqlite:///{tmp_path}/old.db", "SECRET_KEY": "x"})
    columns = ("id, name, gender, birth_date, region_code, category, sub_type, needs, "
               "priority, guardian_name, guardian_relation, guardian_phone, consenting")
    with old.app_context():
        upgrade(revision="0020")
        for number, (category, sub_type) in enumerate(
                [("left_behind", "both_parents_away"), ("in_difficulty", "orphan")], 1):
            db.session.execute(text(
                "INSERT INTO children (id, name, gender, birth_date, region_code, township, "
                "category, sub_type, needs, priority, guardian_name, guardian_relation, "
                "guardian_phone, guardian_phone_hash, school, notes, created_at, updated_at, "
                "left_reason, consenting) VALUES (:id, '老孩子', 'M', '2015-01-01', :county, '', "
                ":category, :sub_type, 'academic', 'normal', '奶奶', 'grandparent', 'x', '', "
                "'', '', '2026-01-01', '2026-01-01', '', 1)"),
                {"id": number, "county": COUNTY_A, "category": category, "sub_type": sub_type})
        db.session.commit()
        before = db.session.execute(text(f"SELECT {columns} FROM children ORDER BY id")).all()
        upgrade()
        after = db.session.execute(text(f"SELECT {columns}, hukou_region_code FROM children "
                                        "ORDER BY id")).all()
        assert [tuple(row[:-1]) for row in after] == [tuple(row) for row in before]
        assert [row[-1] for row in after] == [None, None]
