"""Compare before import (比对): another department's list against the registry, nothing
written until the coordinator imports the new (or chosen) rows; audited; list deleted."""

import io
import re

from sqlalchemy import func, select

from extensions import db
from models import AuditEntry, Child, ImportComparison
from services.imports import CHILD_COLUMNS
from services.shared.idcard import check_char
from tests.conftest import COUNTY_A, COUNTY_B
from tests.web.test_imports import csv_bytes, xlsx_bytes

ID_BODY = "45012720150302123"
ID_NUMBER = ID_BODY + check_char(ID_BODY)
HEADER = [*CHILD_COLUMNS, "id_number", "school"]
SAME_ID = "身份证号相同"


def row(external_id, name, birth="2015-03-02", county=COUNTY_A, phone="13700001234",
        id_number="", priority="urgent", school=""):
    return [external_id, name, "M", birth, county, "", "", "left_behind", "academic;emotional",
            priority, "黄奶奶", phone, "grandparent", id_number, school]


def upload(client, data, name="list.csv"):
    return client.post("/children/compare", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def registry(app):
    with app.app_context():
        return db.session.execute(select(func.count(Child.id))).scalar_one()


def test_compare_shows_existing_new_and_different_rows_and_writes_nothing(
        client, app, create_user, create_child, login):
    coordinator = create_user()
    by_id = create_child(coordinator, id_number=ID_NUMBER)  # 黄小明, 2015-03-02
    create_child(coordinator, name="李小花", birth_date="2016-01-01", guardian_phone="13700005555")
    create_child(coordinator, name="韦晓东", birth_date="2014-06-06")
    create_child(create_user(regions=(COUNTY_B,)), name="陆小强", region_code=COUNTY_B,
                 birth_date="2013-02-02", guardian_phone="13700006666")
    login(coordinator)
    before = registry(app)
    rows = [
        row("E1", "黄明明", id_number=ID_NUMBER, school="六景小学"),   # same ID number, differs
        row("E2", "李小花", birth="2016-01-01", phone="13700005555"),  # name+birth+phone
        row("E3", "韦小东", birth="2014-06-06", phone="13900000000"),  # pinyin+birth+county
        row("E4", "陆小强", birth="2013-02-02", county=COUNTY_B, phone="13700006666"),
        row("E5", "新同学", birth="2017-07-07", phone="13700007777"),
        row("E6", "又一个", birth="2017-08-08", phone="13700008888"),
        row("E7", "", birth="2017-08-08"),
    ]
    response = upload(client, xlsx_bytes(HEADER, rows), "list.xlsx")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert registry(app) == before
    status = dict(re_rows(page))
    assert status == {"2": "differs", "3": "same", "4": "differs", "5": "problem",
                      "6": "new", "7": "new", "8": "problem"}
    assert SAME_ID in page
    assert 'data-field="name"' in page and 'data-field="school"' in page
    assert "13700001234" not in page and "139****0000" in page
    assert ID_NUMBER not in page and "陆小强" in page  # the row itself, from the list
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "children.compare")).scalar_one()
        assert entry.detail["new"] == 2 and entry.detail["differs"] == 2
        assert by_id


def re_rows(page):
    import re

    return re.findall(r'data-row="(\d+)" data-status="(\w+)"', page)


def test_a_match_in_another_county_shows_only_that_county(client, app, create_user,
                                                           create_child, login):
    coordinator = create_user(regions=(COUNTY_A,))
    other = create_user(regions=(COUNTY_B,))
    create_child(other, name="陆小强", region_code=COUNTY_B, birth_date="2013-02-02",
                 guardian_phone="13700006666", notes="秘密备注")
    login(coordinator)
    response = upload(client, csv_bytes(HEADER, [row("E1", "陆小强", birth="2013-02-02",
                                                     phone="13700006666")]))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert dict(re_rows(page)) == {"2": "elsewhere"}
    assert "资源县" in page and "秘密备注" not in page


def test_import_the_new_rows_all_or_chosen_then_the_list_is_deleted(client, app,
                                                                    create_user, login):
    login(create_user())
    rows = [row("E5", "新同学", birth="2017-07-07", phone="13700007777"),
            row("E6", "又一个", birth="2017-08-08", phone="13700008888"),
            row("E7", "第三个", birth="2017-09-09", phone="13700009999")]
    location = upload(client, csv_bytes(HEADER, rows)).headers["Location"]
    comparison = int(location.rstrip("/").split("/")[-1])
    done = client.post(f"/children/compare/{comparison}/import",
                       data={"which": "chosen", "row": ["2", "4"]})
    assert "/imports/" in done.headers["Location"]
    with app.app_context():
        names = set(db.session.execute(select(Child.name)).scalars())
        assert names == {"新同学", "第三个"}
        assert db.session.get(ImportComparison, comparison) is None
        assert db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "children.compare_import")).scalar_one().detail["rows"] \
            == [2, 4]
    assert client.get(location).status_code == 404
    # A second list: all new rows at once.
    location = upload(client, csv_bytes(HEADER, rows)).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert dict(re_rows(page)) == {"2": "same", "3": "new", "4": "same"}
    comparison = int(location.rstrip("/").split("/")[-1])
    client.post(f"/children/compare/{comparison}/import", data={"which": "new"})
    assert registry(app) == 3


def test_choosing_a_row_that_is_not_new_imports_nothing(client, app, create_user,
                                                       create_child, login):
    coordinator = create_user()
    create_child(coordinator)
    login(coordinator)
    rows = [row("E1", "黄小明"), row("E5", "新同学", birth="2017-07-07", phone="13700007777")]
    location = upload(client, csv_bytes(HEADER, rows)).headers["Location"]
    comparison = int(location.rstrip("/").split("/")[-1])
    page = client.post(f"/children/compare/{comparison}/import",
                       data={"which": "chosen", "row": ["2", "3"]}, follow_redirects=True
                       ).get_data(as_text=True)
    assert "只有新的行" in page
    assert registry(app) == 1
    with app.app_context():
        assert db.session.get(ImportComparison, comparison) is not None


def test_a_row_whose_ledger_id_names_another_child_is_not_new(client, app, create_user,
                                                              login):
    login(create_user())
    client.post("/children/import", data={"file": (io.BytesIO(csv_bytes(
        HEADER, [row("E1", "黄小明")])), "a.csv")}, content_type="multipart/form-data")
    location = upload(client, csv_bytes(HEADER, [row("E1", "别的孩子", birth="2012-01-01",
                                                     phone="13700004444")])).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert dict(re_rows(page)) == {"2": "id_taken"}


def test_only_the_uploader_reads_a_comparison(client, app, create_user, login):
    login(create_user())
    location = upload(client, csv_bytes(HEADER, [row("E5", "新同学")])).headers["Location"]
    comparison = int(location.rstrip("/").split("/")[-1])
    for user in (create_user(), create_user(role="admin")):
        other = app.test_client()
        login(user, other)
        assert other.get(location).status_code == 404
        assert other.post(f"/children/compare/{comparison}/import",
                          data={"which": "new"}).status_code == 404
        assert other.post(f"/children/compare/{comparison}/discard").status_code == 404
    volunteer = app.test_client()
    assert volunteer.get(location).status_code == 302  # anonymous: log in
    client.post(f"/children/compare/{comparison}/discard")
    with app.app_context():
        assert db.session.get(ImportComparison, comparison) is None
    assert registry(app) == 0


def test_a_file_that_is_no_list_says_so(client, create_user, login):
    login(create_user())
    page = client.post("/children/compare", data={"file": (io.BytesIO(b"\x00\x01"), "x.csv")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert page.status_code == 200 and "CSV" in page.get_data(as_text=True)


def test_differences_are_shown_in_words_not_field_names_or_codes(client, app, create_user,
                                                                 create_child, login):
    coordinator = create_user()
    create_child(coordinator, id_number=ID_NUMBER)  # 黄小明, a boy, left-behind, urgent
    login(coordinator)
    changed = row("E1", "黄小明", id_number=ID_NUMBER, priority="normal")
    changed[7], changed[12] = "in_difficulty", "relative"
    response = upload(client, xlsx_bytes(HEADER, [changed]), "list.xlsx")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    differences = re.findall(r'<li data-field="(\w+)">(.*?)</li>', page, re.S)
    shown = {field: re.sub(r"<[^>]+>", "", text) for field, text in differences}
    assert set(shown) == {"category", "priority", "guardian_relation"}
    assert shown["priority"] == "优先级：登记 “紧急” → 名单 “一般”"
    assert shown["category"].startswith("类别：") and "in_difficulty" not in shown["category"]
    assert shown["guardian_relation"] == "监护人关系：登记 “祖父母/外祖父母” → 名单 “其他亲属”"
