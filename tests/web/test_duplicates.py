"""Possible duplicate children across counties: found on registration and on import,
reported without revealing the other county's child, linked or dismissed by either
county's coordinators."""

import re

import pytest
from sqlalchemy import func, select

from extensions import db
from models import Child, ChildDuplicate
from services.imports import CHILD_COLUMNS
from tests.conftest import COUNTY_A, COUNTY_B, child_data
from tests.web.test_imports import csv_bytes, upload, xlsx_bytes

ID_NUMBER = "450127201503021234"
OTHER_COUNTY = "450102"  # 兴宁区, Nanning: covers neither child
#: The county B record: everything here but its county must stay hidden from county A.
SECRET = {"name": "韦大宝", "guardian_name": "韦秘密", "guardian_phone": "13766667777",
          "school": "资源秘密小学", "township": "秘密乡", "notes": "秘密备注"}
SECRET_TEXTS = ("韦大宝", "大宝", "韦秘密", "13766667777", "7777", "资源秘密小学", "秘密乡",
                "秘密备注")


@pytest.fixture
def counties(create_user, create_child):
    """Coordinators of county A and county B (by name), one of a third county, and a child
    in county B carrying ID_NUMBER."""
    a = create_user(regions=(COUNTY_A,), name="梁横县")
    b = create_user(regions=(COUNTY_B,), name="蒙资源")
    other = create_user(regions=(OTHER_COUNTY,), name="覃兴宁")
    b_child = create_child(b, region_code=COUNTY_B, id_number=ID_NUMBER, **SECRET)
    return {"a": a, "b": b, "other": other, "b_child": b_child}


def register(client, **overrides):
    data = child_data(consent_given="", **overrides)
    return client.post("/children/new", data=data, follow_redirects=True)


def assert_no_leak(text: str, b_child: int) -> None:
    for secret in SECRET_TEXTS:
        assert secret not in text, secret
    assert f"/children/{b_child}\"" not in text


def duplicates(app):
    with app.app_context():
        return db.session.execute(select(ChildDuplicate)).scalars().all()


def test_registration_finds_same_id_number_in_another_county_without_leaking(
        client, app, login, counties):
    login(counties["a"])
    response = register(client, id_number=ID_NUMBER)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "资源县" in text and "蒙资源" in text  # where, and whom to contact
    assert_no_leak(text, counties["b_child"])
    [found] = duplicates(app)
    assert found.rule == "id_number" and found.status == "open"
    assert counties["b_child"] in (found.child_a_id, found.child_b_id)


def test_registration_finds_same_name_birth_date_and_guardian_phone(
        client, app, login, counties, create_child):
    create_child(counties["b"], region_code=COUNTY_B, name="黄小明",
                 guardian_phone="13700001234", guardian_name="另一个")
    login(counties["a"])
    text = register(client).get_data(as_text=True)
    assert "资源县" in text
    assert {d.rule for d in duplicates(app)} == {"name_birth_phone"}


def test_registration_finds_one_name_in_other_characters_in_the_same_county(
        client, app, login, counties, create_child):
    same_county = create_child(counties["a"], name="黄晓明", guardian_phone="13700002222")
    create_child(counties["b"], region_code=COUNTY_B, name="黄晓明",
                 guardian_phone="13700003333")  # another county: not this rule
    login(counties["a"])
    text = register(client).get_data(as_text=True)
    [found] = duplicates(app)
    assert found.rule == "pinyin_birth_county" and same_county in (found.child_a_id,
                                                                     found.child_b_id)
    assert f"/children/{same_county}\"" in text  # in one's own county the record opens


def test_different_children_are_not_reported(client, app, login, counties):
    login(counties["a"])
    register(client, name="陆小红", birth_date="2016-01-01", guardian_phone="13700004444")
    assert duplicates(app) == []


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_import_reports_duplicates_per_row_without_failing(client, app, login, counties,
                                                           create_child, kind):
    create_child(counties["b"], region_code=COUNTY_B, name="莫小丽", birth_date="2016-07-19",
                 guardian_phone="13700005678", guardian_name="莫奶奶")
    header = list(CHILD_COLUMNS) + ["id_number"]
    rows = [
        ["D001", "黄小明", "M", "2015-03-02", COUNTY_A, "", "", "left_behind", "academic",
         "", "黄奶奶", "13700001234", "grandparent", ID_NUMBER],
        ["D002", "陆清白", "F", "2014-01-05", COUNTY_A, "", "", "left_behind", "academic",
         "", "陆奶奶", "13700001111", "grandparent", ""],
        ["D003", "莫小丽", "F", "2016-07-19", COUNTY_A, "", "", "in_difficulty", "health",
         "", "莫爷爷", "13700005678", "grandparent", ""],
    ]
    login(counties["a"])
    data = csv_bytes(header, rows) if kind == "csv" else xlsx_bytes(header, rows)
    response = upload(client, "children", data, name=f"ledger.{kind}", follow=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Child)).scalar_one() == 5
    table = text.split("data-duplicate-rows", 1)[1].split("</table>", 1)[0]
    # Each row by its number and the child's name as the row gives it.
    assert re.search(r"<td[^>]*>2</td><td [^>]*data-name>黄小明</td>", table)
    assert re.search(r"<td[^>]*>4</td><td [^>]*data-name>莫小丽</td>", table)
    assert "陆清白" not in table
    assert table.count(">广西壮族自治区桂林市资源县</td>") == 2 and "蒙资源" in table
    assert_no_leak(text, counties["b_child"])
    assert "莫奶奶" not in text
    assert {d.rule for d in duplicates(app)} == {"id_number", "name_birth_phone"}


def test_an_import_without_duplicates_redirects_as_before(client, app, login, counties):
    header = list(CHILD_COLUMNS)
    rows = [["E001", "陆清白", "F", "2014-01-05", COUNTY_A, "", "", "left_behind",
             "academic", "", "陆奶奶", "13700001111", "grandparent"]]
    login(counties["a"])
    assert upload(client, "children", csv_bytes(header, rows)).status_code == 302


def decide(client, duplicate_id, decision):
    return client.post(f"/children/duplicates/{duplicate_id}/{decision}",
                       follow_redirects=True)


@pytest.mark.parametrize("who", ["a", "b"])
def test_either_county_links_or_dismisses_and_others_get_404(client, app, login, counties,
                                                             create_child, who):
    first = create_child(counties["a"], id_number=ID_NUMBER)
    create_child(counties["a"], name="黄晓明", guardian_phone="13700002222")
    linked_pair, dismissed_pair = sorted(duplicates(app), key=lambda d: d.rule)
    assert linked_pair.rule == "id_number" and first == linked_pair.child_b_id

    login(counties["other"])
    assert decide(client, linked_pair.id, "link").status_code == 404
    assert decide(client, dismissed_pair.id, "dismiss").status_code == 404
    page = client.get("/children/duplicates").get_data(as_text=True)
    assert "data-duplicates" not in page

    client = login(counties[who], app.test_client())
    page = client.get("/children/duplicates").get_data(as_text=True)
    assert "data-duplicates" in page
    if who == "a":
        assert_no_leak(page, counties["b_child"])
        assert "蒙资源" in page and "资源县" in page
    assert decide(client, linked_pair.id, "link").status_code == 200
    # The pinyin pair lies wholly in county A: county B cannot reach it.
    assert decide(client, dismissed_pair.id, "dismiss").status_code == (200 if who == "a"
                                                                         else 404)
    again = decide(client, linked_pair.id, "dismiss").get_data(as_text=True)
    assert "已被处理" in again
    statuses = {d.id: (d.status, d.decided_by_id) for d in duplicates(app)}
    assert statuses[linked_pair.id] == ("linked", counties[who])
    assert statuses[dismissed_pair.id][0] == ("dismissed" if who == "a" else "open")


def test_volunteers_cannot_see_duplicates(client, login, create_user):
    login(create_user(role="volunteer"))
    assert client.get("/children/duplicates").status_code == 403


def test_a_dismissed_pair_is_not_reported_again(client, app, login, counties, create_child):
    mine = create_child(counties["a"], id_number=ID_NUMBER)
    [found] = duplicates(app)
    login(counties["a"])
    decide(client, found.id, "dismiss")
    text = client.post(f"/children/{mine}/edit", data=child_data(id_number=ID_NUMBER),
                       follow_redirects=True).get_data(as_text=True)
    assert "资源县" not in text
    assert [d.status for d in duplicates(app)] == ["dismissed"]


def test_command_line_import_prints_duplicates_per_row(runner, app, counties, tmp_path):
    with app.app_context():
        from models import User

        phone = db.session.get(User, counties["a"]).phone
    header = list(CHILD_COLUMNS) + ["id_number"]
    rows = [["G001", "黄小明", "M", "2015-03-02", COUNTY_A, "", "", "left_behind", "academic",
             "", "黄奶奶", "13700001234", "grandparent", ID_NUMBER]]
    path = tmp_path / "ledger.csv"
    path.write_bytes(csv_bytes(header, rows))
    result = runner.invoke(args=["import", "children", str(path), "--by", phone])
    assert result.exit_code == 0, result.output
    assert "G001" in result.output and "资源县" in result.output and "蒙资源" in result.output
    assert_no_leak(result.output, counties["b_child"])


def test_an_anonymised_child_is_never_a_duplicate(client, app, login, counties):
    from services.registry import retention

    with app.app_context():
        retention.anonymise_children(db.session, [counties["b_child"]])
        db.session.commit()
        b_child = db.session.get(Child, counties["b_child"])
        assert b_child.id_number_hash is None and b_child.pinyin_key_hash is None
    login(counties["a"])
    register(client, id_number=ID_NUMBER)
    assert duplicates(app) == []
