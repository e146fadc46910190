"""Ledger imports: all-or-nothing, every bad row reported, re-import upserts."""

import io
import re

from openpyxl import Workbook
from sqlalchemy import func, select

from extensions import db
from models import BackgroundCheck, Child, ConsentRecord, Volunteer
from services.imports import CHILD_COLUMNS, VOLUNTEER_COLUMNS
from tests.conftest import COUNTY_A, COUNTY_B

CHILD_ROWS = [
    ["C001", "黄小明", "M", "2015-03-02", COUNTY_A, "22.68", "109.26", "left_behind",
     "academic;emotional", "urgent", "黄奶奶", "13700001234", "grandparent"],
    ["C002", "韦小花", "F", "2016-07-19", COUNTY_A, "", "", "in_difficulty", "health",
     "", "韦爷爷", "13700005678", "grandparent"],
]
VOLUNTEER_ROWS = [
    ["V001", "陆建国", "13900001001", "M", COUNTY_A, "", "", "safety;culture", "2", "25", "",
     "", "any"],
    ["V002", "莫小燕", "13900001002", "F", COUNTY_A, "22.7", "109.3", "emotional", "1", "10",
     "6", "12", "F"],
]


def csv_bytes(header, rows, bom=True):
    text = "\n".join(",".join(r) for r in [list(header), *rows]) + "\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


def xlsx_bytes(header, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, kind, data, name="ledger.csv", follow=False, **extra):
    """Send a ledger; with ``follow``, the import's page (its outcome: tests run the
    import's job inline)."""
    return client.post(f"/{kind}/import", data={"file": (io.BytesIO(data), name), **extra},
                       content_type="multipart/form-data", follow_redirects=follow)


def count(app, model):
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_children_import_happy_path_records_paper_consent(client, app, create_user, login):
    login(create_user())
    response = upload(client, "children", csv_bytes(CHILD_COLUMNS, CHILD_ROWS))
    assert response.status_code == 302
    with app.app_context():
        children = db.session.execute(select(Child).order_by(Child.external_id)).scalars().all()
        assert [c.external_id for c in children] == ["C001", "C002"]
        assert children[0].needs == "academic;emotional" and children[0].latitude == 22.68
        assert children[1].priority == "normal" and children[1].latitude is None
        assert all(c.has_consent and c.consents[0].method == "import" for c in children)


def test_xlsx_import_and_reimport_upserts(client, app, create_user, login):
    login(create_user())
    assert upload(client, "children", xlsx_bytes(CHILD_COLUMNS, CHILD_ROWS),
                  name="台账.xlsx").status_code == 302
    changed = [list(CHILD_ROWS[0]), list(CHILD_ROWS[1])]
    changed[0][9] = "high"
    response = upload(client, "children", xlsx_bytes(CHILD_COLUMNS, changed), name="x.csv")
    assert response.status_code == 302
    assert count(app, Child) == 2
    assert count(app, ConsentRecord) == 2  # consent is not recorded twice
    with app.app_context():
        child = db.session.execute(select(Child).where(Child.external_id == "C001")).scalar_one()
        assert child.priority == "high"


def test_bad_rows_write_nothing_and_every_row_is_reported(client, app, create_user, login):
    login(create_user())
    bad = [
        CHILD_ROWS[0],
        ["C002", "韦小花", "X", "2016-13-40", "999999", "", "", "orphaned", "flying", "",
         "韦爷爷", "12345", "grandparent"],
        ["C001", "重复", "F", "2016-07-19", COUNTY_A, "", "", "left_behind", "health", "",
         "某", "13700005678", "grandparent"],
        ["C004", "外县", "F", "2016-07-19", COUNTY_B, "", "", "left_behind", "health", "",
         "某", "13700005678", "grandparent"],
    ]
    response = upload(client, "children", csv_bytes(CHILD_COLUMNS, bad), follow=True)
    assert response.status_code == 200 and response.request.path.startswith("/imports/")
    page = response.get_data(as_text=True)
    assert count(app, Child) == 0
    for expected in ("999999", "2016-13-40", "flying", "12345", "orphaned", "C001", COUNTY_B):
        assert expected in page, expected
    rows_reported = {int(n) for n in re.findall(r"<tr data-row=\"(\d+)\">", page)}
    assert rows_reported == {3, 4, 5}


def test_missing_columns_and_non_spreadsheet_files(client, app, create_user, login):
    login(create_user())
    page = upload(client, "children", b"name,gender\nx,M\n", follow=True).get_data(as_text=True)
    assert "找不到列名行" in page and "出生日期" in page
    page = upload(client, "children", b"\x00\x01\x02binary", name="x.csv",
                  follow=True).get_data(as_text=True)
    assert "alert-danger" in page
    page = upload(client, "children", b"PK\x03\x04not really a zip", name="a.xlsx", follow=True)
    assert page.status_code == 200 and "alert-danger" in page.get_data(as_text=True)
    assert count(app, Child) == 0


def test_volunteer_import_and_vetted_flag(client, app, create_user, login):
    coordinator = create_user()
    login(coordinator)
    assert upload(client, "volunteers", csv_bytes(VOLUNTEER_COLUMNS, VOLUNTEER_ROWS),
                  vetted="1").status_code == 302
    with app.app_context():
        volunteers = db.session.execute(
            select(Volunteer).order_by(Volunteer.external_id)).scalars().all()
        assert [v.status for v in volunteers] == ["vetted", "vetted"]
        assert volunteers[1].child_gender == "F" and volunteers[1].age_max == 12
        assert volunteers[0].child_gender is None
        checks = db.session.execute(select(BackgroundCheck)).scalars().all()
        assert {c.checked_by_id for c in checks} == {coordinator} and len(checks) == 2
    # Re-import without --vetted neither duplicates nor downgrades.
    assert upload(client, "volunteers",
                  csv_bytes(VOLUNTEER_COLUMNS, VOLUNTEER_ROWS)).status_code == 302
    assert count(app, Volunteer) == 2 and count(app, BackgroundCheck) == 2


def test_volunteer_import_rejects_phone_of_someone_else(client, app, create_user, login,
                                                        create_volunteer):
    login(create_user())
    create_volunteer(phone="13900001001")
    rows = [VOLUNTEER_ROWS[0], VOLUNTEER_ROWS[1][:2] + ["13900001002"] + VOLUNTEER_ROWS[1][3:]]
    rows.append(["V003"] + VOLUNTEER_ROWS[1][1:])  # same phone as V002 inside the file
    response = upload(client, "volunteers", csv_bytes(VOLUNTEER_COLUMNS, rows), follow=True)
    assert response.status_code == 200
    rows_reported = {int(n) for n in re.findall(r"<tr data-row=\"(\d+)\">",
                                                response.get_data(as_text=True))}
    assert rows_reported == {2, 4}  # another's phone; the same phone twice in the file
    assert count(app, Volunteer) == 1


def test_volunteers_cannot_import(client, app, create_volunteer, login):
    volunteer_id = create_volunteer()
    with app.app_context():
        login(db.session.get(Volunteer, volunteer_id).user_id)
    assert upload(client, "children", csv_bytes(CHILD_COLUMNS, CHILD_ROWS)).status_code == 403


def test_cli_import_children_and_bad_file(runner, app, create_user, tmp_path):
    create_user(role="admin")
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(CHILD_COLUMNS, CHILD_ROWS))
    result = runner.invoke(args=["import", "children", str(good)])
    assert result.exit_code == 0, result.output
    assert "新增 2" in result.output
    result = runner.invoke(args=["import", "children", str(good)])
    assert "新增 0，更新 0，未变 2" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(CHILD_COLUMNS, [CHILD_ROWS[0][:4] + ["000000"] + CHILD_ROWS[0][5:]]))
    result = runner.invoke(args=["import", "children", str(bad)])
    assert result.exit_code == 1
    assert "000000" in result.output and "2" in result.output
    assert count(app, Child) == 2


def test_cli_import_volunteers_vetted(runner, app, create_user, tmp_path):
    create_user(role="admin")
    path = tmp_path / "v.xlsx"
    path.write_bytes(xlsx_bytes(VOLUNTEER_COLUMNS, VOLUNTEER_ROWS))
    result = runner.invoke(args=["import", "volunteers", str(path), "--vetted"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        statuses = db.session.execute(select(Volunteer.status)).scalars().all()
    assert statuses == ["vetted", "vetted"]


def test_cli_import_by_coordinator_is_scoped(runner, app, create_user, tmp_path):
    from models import User

    coordinator = create_user(regions=(COUNTY_B,))
    with app.app_context():
        phone = db.session.get(User, coordinator).phone
    path = tmp_path / "c.csv"
    path.write_bytes(csv_bytes(CHILD_COLUMNS, CHILD_ROWS))
    result = runner.invoke(args=["import", "children", str(path), "--by", phone])
    assert result.exit_code == 1 and COUNTY_A in result.output
    assert count(app, Child) == 0


def test_awkward_text_survives_bulk_writes(runner, app, create_user, tmp_path):
    create_user(role="admin")
    notes = 'tab\there, back\\slash, "quotes", new\nline, \\N, 中文'
    out = io.StringIO()
    import csv

    writer = csv.writer(out)
    writer.writerow(list(CHILD_COLUMNS) + ["notes", "school"])
    writer.writerow(CHILD_ROWS[0] + [notes, ""])
    path = tmp_path / "awkward.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    result = runner.invoke(args=["import", "children", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        child = db.session.execute(select(Child)).scalar_one()
        assert child.notes == notes and child.school == "" and child.latitude == 22.68
