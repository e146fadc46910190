"""County ledgers as counties keep them: their own Chinese workbooks in (titles, merged
cells, footers, .xls, .ods, GBK CSV, Excel date cells), every field saved as meant, bad
cells named, re-imports that update, and the exported ledger imported back unchanged."""

import io
import re
import zipfile
from datetime import date, datetime, timedelta

import pytest
import xlwt
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from extensions import db
from models import Child, ImportJob, ImportUpload, User, Volunteer
from services import imports
from services.imports import jobs
from services.regions import region_tree
from services.shared import idcard
from tests.conftest import COUNTY_A, COUNTY_B
from tests.web.test_imports import count, upload

TITLE = "横县农村留守儿童和困境儿童信息台账（2026年11月）"
HEADERS = ["序号", "姓名", "性别", "身份证号码", "出生日期", "县（市、区）", "乡镇（街道）",
           "儿童类别", "主要需求", "监护人姓名", "与儿童关系", "监护人联系电话", "户籍地址"]


def id_number(born: str, odd: bool) -> str:
    first17 = f"450127{born}01{'3' if odd else '2'}"
    return first17 + idcard.check_char(first17)


GIRL_ID = id_number("20160504", odd=False)
ROWS = [
    [1, "韦小花", "女", GIRL_ID, "2016.05.04", "横县", "百合镇", "留守儿童",
     "学业辅导、心理陪伴", "韦秀英", "祖母", "137 0000-1234", "横县百合镇"],
    [2, "黄小明", "男", "", datetime(2015, 3, 2), "南宁市横县", "校椅镇", "困境儿童",
     "生活帮扶，安全教育", "黄建国", "父亲", "+86 137-0000-5678", ""],
]


def county_workbook(rows=ROWS, headers=HEADERS) -> bytes:
    """A county's own workbook: merged title, 填报单位 row, headers, rows, 合计 and 填表人."""
    book = Workbook()
    sheet = book.active
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(["填报单位：横县民政局", None, None, None, None, None, "填报日期：2026年11月30日"])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    sheet.append(["合计", f"{len(rows)} 人"])
    sheet.append([])
    sheet.append(["填表人：李四", None, None, "审核人：王五"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xls_workbook(rows=ROWS, headers=HEADERS) -> bytes:
    """The same ledger saved as Excel 97–2003 (.xls), the date as a date cell."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("台账")
    sheet.write_merge(0, 0, 0, len(headers) - 1, TITLE)
    for column, header in enumerate(headers):
        sheet.write(1, column, header)
    dated = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write(number, column, value, dated)
            else:
                sheet.write(number, column, value)
    sheet.write(len(rows) + 2, 0, "合计")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ods_workbook(rows) -> bytes:
    """A minimal OpenDocument spreadsheet (what LibreOffice and WPS save as .ods)."""
    def cell(value):
        return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p>' \
               '</table:table-cell>'
    body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>"
                   for row in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="台账">'
        f'{body}</table:table></office:spreadsheet></office:body></office:document-content>')
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '</manifest:manifest>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"),
                         "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
    return out.getvalue()


def run(app, user_id, data, kind="children", **options):
    """Import ``data`` as ``user_id`` the way the worker does; the job afterwards."""
    with app.app_context():
        job = jobs.queue_import(db.session, db.session.get(User, user_id), kind, data)
        db.session.commit()
        job = jobs.execute_import(db.session, job.id, commit=db.session.commit, **options)
        return {"status": job.status, "created": job.created, "updated": job.updated,
                "report": job.report, "error": job.error}


def children(app):
    with app.app_context():
        return {c.name: {k: getattr(c, k) for k in (
            "external_id", "gender", "birth_date", "region_code", "township", "category",
            "needs", "priority", "guardian_name", "guardian_relation", "guardian_phone",
            "id_number_tail")} for c in db.session.execute(select(Child)).scalars()}


def test_a_countys_own_workbook_is_saved_field_by_field(app, create_user):
    outcome = run(app, create_user(), county_workbook())
    assert outcome["status"] == "done", outcome["error"]
    assert outcome["created"] == 2
    assert outcome["report"]["extra_columns"] == ["序号", "户籍地址"]
    saved = children(app)
    assert saved["韦小花"] == {
        "external_id": saved["韦小花"]["external_id"], "gender": "F",
        "birth_date": date(2016, 5, 4), "region_code": COUNTY_A, "township": "百合镇",
        "category": "left_behind", "needs": "academic;emotional", "priority": "normal",
        "guardian_name": "韦秀英", "guardian_relation": "grandparent",
        "guardian_phone": "+8613700001234", "id_number_tail": GIRL_ID[-4:]}
    boy = saved["黄小明"]
    assert (boy["gender"], boy["birth_date"], boy["category"], boy["needs"]) == (
        "M", date(2015, 3, 2), "in_difficulty", "daily_life;safety")
    assert (boy["guardian_relation"], boy["guardian_phone"]) == ("parent", "+8613700005678")


@pytest.mark.parametrize("fmt", ["xls", "ods", "gbk_csv", "wps_headers"])
def test_other_formats_and_header_spellings(app, create_user, fmt):
    plain = [[str(v) if not isinstance(v, datetime) else "2015年3月2日" for v in row]
             for row in ROWS]
    if fmt == "xls":
        data = xls_workbook()
    elif fmt == "ods":
        data = ods_workbook([[TITLE], HEADERS, *plain, ["填表人：李四"]])
    elif fmt == "gbk_csv":
        lines = [",".join(HEADERS)] + [",".join(row) for row in plain] + ["合计,2"]
        data = "\n".join(lines).encode("gbk")
    else:  # WPS: half-width brackets, spaces, variant names
        spelled = ["序号", "儿童姓名", "性 别", "公民身份号码", "出生年月", "县(市、区)", "乡镇",
                   "类别", "帮扶需求", "监护人", "监护关系", "联系电话", "备注"]
        data = county_workbook(headers=spelled)
    outcome = run(app, create_user(), data)
    assert outcome["status"] == "done", outcome["error"]
    saved = children(app)
    assert saved["黄小明"]["birth_date"] == date(2015, 3, 2)
    assert saved["韦小花"]["gender"] == "F" and saved["韦小花"]["region_code"] == COUNTY_A
    assert saved["韦小花"]["guardian_relation"] == "grandparent"


@pytest.mark.parametrize("written", ["2016-05-04", "2016/5/4", "2016.5.4", "2016年5月4日",
                                     "20160504"])
def test_dates_as_counties_write_them(written):
    from services.imports.values import parse_day

    assert parse_day(written) == date(2016, 5, 4)
    assert parse_day(datetime(2016, 5, 4, 0, 0)) == date(2016, 5, 4)
    assert parse_day("2016-02-30") is None and parse_day("五月") is None


def test_bad_cells_are_named_with_what_to_write(app, create_user, client, login):
    user = create_user()
    rows = [list(ROWS[0]), list(ROWS[1])]
    rows[0][4] = "2016.05.05"  # the ID number says 2016-05-04
    rows[1][2], rows[1][10], rows[1][8] = "未知", "邻居", "学业辅导、飞行"
    outcome = run(app, user, county_workbook(rows))
    assert outcome["status"] == "failed" and count(app, Child) == 0
    problems = {(p["row"], p["cell"]): p for p in outcome["error"]["problems"]}
    assert set(problems) == {(4, "E"), (5, "C"), (5, "K"), (5, "I")}
    assert problems[(4, "E")]["header"] == "出生日期"
    assert problems[(4, "E")]["params"]["expected"] == "2016-05-04"
    assert problems[(5, "K")]["params"]["value"] == "邻居"
    login(user)
    page = upload(client, "children", county_workbook(rows), name="台账.xlsx",
                  follow=True).get_data(as_text=True)
    assert "第 4 行 E 列（出生日期）" in page and "未导入" in page
    assert "邻居" in page and "祖父母、外祖父母、父亲、母亲" in page
    assert "Nothing was imported" not in page and "已完成" not in page


def test_gender_contradicting_the_id_number_is_a_row_error(app, create_user):
    rows = [list(ROWS[0])]
    rows[0][2] = "男"
    outcome = run(app, create_user(), county_workbook(rows))
    [problem] = outcome["error"]["problems"]
    assert (problem["row"], problem["cell"], problem["params"]["expected"]) == (4, "C", "女")


def test_birth_date_and_gender_come_from_the_id_number(app, create_user):
    headers = ["姓名", "公民身份号码", "县（市、区）", "儿童类别", "主要需求", "监护人姓名",
               "与儿童关系", "监护人联系电话"]
    rows = [["韦小花", GIRL_ID, "横县", "留守儿童", "心理陪伴", "韦秀英", "外祖母", "13700001234"]]
    assert run(app, create_user(), county_workbook(rows, headers))["status"] == "done"
    saved = children(app)["韦小花"]
    assert (saved["gender"], saved["birth_date"]) == ("F", date(2016, 5, 4))


def test_an_ambiguous_county_name_is_settled_by_the_coordinators_regions(app, create_user):
    rows = [list(ROWS[1])]
    rows[0][5] = "朝阳区"
    failed = run(app, create_user(role="admin"), county_workbook(rows))
    [problem] = failed["error"]["problems"]
    assert "北京市朝阳区 110105" in problem["params"]["candidates"]
    assert "吉林省长春市朝阳区 220104" in problem["params"]["candidates"]
    done = run(app, create_user(regions=("110105",)), county_workbook(rows))
    assert done["status"] == "done", done["error"]
    assert children(app)["黄小明"]["region_code"] == "110105"
    assert region_tree_names(app, "广西壮族自治区南宁市横县") == [COUNTY_A]


def region_tree_names(app, text):
    with app.app_context():
        return region_tree(db.session).counties_named(text)


@pytest.mark.parametrize(("data", "expected"), [
    (b"PK\x03\x04", "Word"),
    (b"%PDF-1.7\n", "PDF"),
    (b"\x89PNG\r\n\x1a\n0000", "picture"),
])
def test_word_pdf_and_pictures_are_told_to_save_as_xlsx(data, expected):
    if data == b"PK\x03\x04":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("word/document.xml", "<w:document/>")
        data = out.getvalue()
    with pytest.raises(imports.ImportFailed) as caught:
        imports.read_ledger(data, "children")
    assert expected in caught.value.message and ".xlsx" in caught.value.message


def test_reimport_without_an_id_column_updates_and_says_how(app, create_user):
    user = create_user()
    first = run(app, user, county_workbook())
    assert first["report"]["matched_by"] == {"id_number": 1, "name_birth_phone": 1}
    again = run(app, user, county_workbook())
    assert (again["created"], again["updated"], again["report"]["unchanged"]) == (0, 0, 2)
    changed = [list(ROWS[0]), list(ROWS[1])]
    changed[0][8] = "学业辅导"
    changed[1][6] = "新福镇"
    third = run(app, user, county_workbook(changed))
    assert (third["created"], third["updated"]) == (0, 2) and count(app, Child) == 2
    assert children(app)["黄小明"]["township"] == "新福镇"


def test_a_child_registered_on_the_form_is_found_by_name_birth_and_phone(
        app, create_user, client, login):
    from tests.conftest import child_data

    user = create_user()
    login(user)
    client.post("/children/new", data=child_data(guardian_phone="13700005678",
                                                 birth_date="2015-03-02"))
    assert count(app, Child) == 1
    outcome = run(app, user, county_workbook([ROWS[1]]))
    assert (outcome["created"], outcome["updated"]) == (0, 1), outcome["error"]
    assert count(app, Child) == 1


def test_the_exported_children_ledger_imports_back_unchanged(app, create_user, client,
                                                             login):
    user = create_user()
    assert run(app, user, county_workbook())["status"] == "done"
    login(user)
    exported = client.get("/dashboard/ledgers/children?fmt=xlsx").get_data()
    back = run(app, user, exported)
    assert back["status"] == "done", back["error"]
    assert (back["created"], back["updated"], back["report"]["unchanged"]) == (0, 0, 2)
    assert back["report"]["matched_by"] == {"external_id": 2}
    csv_export = client.get("/dashboard/ledgers/children?fmt=csv").get_data()
    assert (run(app, user, csv_export)["updated"]) == 0


def test_rows_and_problems_are_bounded(app, create_user):
    user = create_user()
    too_many = run(app, user, county_workbook(), max_rows=1)
    assert too_many["status"] == "failed"
    assert too_many["error"]["params"] == {"n": 1} and "more than" in too_many["error"]["message"]
    bad = [[n, "某", "不明", "", "不详", "横县", "", "留守儿童", "学业辅导", "某", "祖母",
            "137", ""] for n in range(1500)]
    outcome = run(app, user, county_workbook(bad))
    error = outcome["error"]
    assert len(error["problems"]) == 1000 and error["total"] == 4500
    assert {c["n"] for c in error["counts"]} == {1500}
    assert error["params"] == {"n": 1500}


def test_api_imports_are_bounded_with_a_clear_message(app, client, create_user, auth):
    app.config["API_IMPORT_MAX_ROWS"] = 1
    headers = auth(create_user())
    response = client.post("/api/v1/children/import", headers=headers,
                           data={"file": (io.BytesIO(county_workbook()), "台账.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "台账超过 1 行" in str(response.json) and count(app, Child) == 0


def test_volunteers_ledger_in_chinese_matched_by_phone(app, create_user):
    headers = ["姓名", "手机号码", "性别", "所在县", "特长/技能", "可结对人数", "最远距离（公里）",
               "儿童性别"]
    rows = [["陆建国", "139 0000 1001", "男", "横县", "学业辅导、安全教育", 2, 25, "不限"]]
    user = create_user()
    first = run(app, user, county_workbook(rows, headers), kind="volunteers")
    assert first["status"] == "done", first["error"]
    assert first["report"]["matched_by"] == {"phone": 1}
    again = run(app, user, county_workbook(rows, headers), kind="volunteers")
    assert (again["created"], again["updated"], again["report"]["unchanged"]) == (0, 0, 1)
    rows[0][5] = 3
    changed = run(app, user, county_workbook(rows, headers), kind="volunteers")
    assert (changed["created"], changed["updated"]) == (0, 1)
    with app.app_context():
        [volunteer] = db.session.execute(select(Volunteer)).scalars().all()
        assert (volunteer.phone, volunteer.skills, volunteer.capacity, volunteer.gender,
                volunteer.child_gender) == ("+8613900001001", "academic;safety", 3, "M", None)


def test_template_has_chinese_headers_notes_and_drop_downs(client, create_user, login):
    login(create_user(regions=(COUNTY_A, COUNTY_B)))
    response = client.get("/imports/template/children.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["姓名", "性别", "出生日期"] and "与儿童关系" in header
    assert sheet["A2"].value == "黄小明"
    assert "说明" in book.sheetnames and book["选项"].sheet_state == "hidden"
    lists = {str(v.sqref).split(":")[0][:-1]: v.formula1
             for v in sheet.data_validations.dataValidation}
    assert set(lists) >= {"B", "E", "G", "I", "J", "L"}
    counties = [c.value for c in book["选项"]["B"]][1:]
    assert "广西壮族自治区南宁市横县" in [c for c in counties if c]


def test_command_line_reports_in_chinese_unless_told_english(runner, create_user, tmp_path):
    create_user(role="admin")
    path = tmp_path / "台账.xlsx"
    path.write_bytes(county_workbook())
    result = runner.invoke(args=["import", "children", str(path)])
    assert result.exit_code == 0, result.output
    assert "新增 2" in result.output and "忽略的列：序号、户籍地址" in result.output
    result = runner.invoke(args=["import", "children", str(path), "--lang", "en"])
    assert "0 created, 0 changed, 2 unchanged" in result.output


def test_a_refused_ledger_comes_back_marked_and_imports_once_corrected(
        app, client, create_user, login):
    login(create_user())
    rows = [list(ROWS[0]), list(ROWS[1])]
    rows[1][10] = "邻居"
    page = upload(client, "children", county_workbook(rows), name="台账.xlsx", follow=True)
    link = re.search(r'href="([^"]+marked.xlsx)"', page.get_data(as_text=True))
    assert link, "no marked-up download"
    response = client.get(link[1])
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.active
    assert sheet["A1"].value == TITLE  # every row where Excel had it
    assert sheet.cell(row=3, column=len(HEADERS) + 1).value == "问题说明"
    note = sheet.cell(row=5, column=len(HEADERS) + 1).value
    assert note.startswith("第 5 行 K 列（与儿童关系）：") and "邻居" in note
    assert sheet["K5"].fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet["K4"].fill.fgColor.rgb in (None, "00000000")
    sheet["K5"] = "其他亲属"
    fixed = io.BytesIO()
    book.save(fixed)
    page = upload(client, "children", fixed.getvalue(), name="台账.xlsx", follow=True)
    assert "data-import-done" in page.get_data(as_text=True)
    assert children(app)["黄小明"]["guardian_relation"] == "relative"
    with app.app_context():
        kept = db.session.execute(select(ImportUpload.job_id)).scalars().all()
    assert len(kept) == 1  # the refused file, until the sweep a day later
    with app.app_context():
        from core.clock import now

        jobs.recover_imports(db.session, now() + timedelta(days=2), timedelta(minutes=5))
        db.session.commit()
        assert db.session.execute(select(ImportUpload)).first() is None


def test_columns_not_named_are_chosen_once_and_remembered(app, client, create_user, login):
    odd = list(HEADERS)
    odd[10], odd[11] = "亲属关系", "电话号码（监护人）"
    user = create_user()
    login(user)
    page = upload(client, "children", county_workbook(headers=odd), name="台账.xlsx",
                  follow=True).get_data(as_text=True)
    assert "data-column-mapping" in page and "与儿童关系" in page
    assert "L 列：电话号码（监护人）（137 0000-1234、+86 137-0000-5678…）" in page
    job_id = int(re.search(r"/imports/(\d+)/columns", page)[1])
    with app.app_context():  # the first values are shown from the kept file, not stored
        assert "137 0000-1234" not in str(db.session.get(ImportJob, job_id).error)
    response = client.post(f"/imports/{job_id}/columns", data={
        "column_guardian_relation": "亲属关系", "column_guardian_phone": "电话号码（监护人）"},
        follow_redirects=True)
    assert "data-import-done" in response.get_data(as_text=True)
    assert children(app)["韦小花"]["guardian_phone"] == "+8613700001234"
    assert run(app, user, county_workbook(headers=odd))["report"]["unchanged"] == 2
    other = run(app, create_user(), county_workbook(headers=odd))
    assert other["status"] == "failed" and other["error"]["params"]["missing"] == [
        "guardian_phone", "guardian_relation"]


def test_each_ledger_page_offers_its_template(client, create_user, login):
    login(create_user())
    for page, template in (("/children/", "/imports/template/children.xlsx"),
                           ("/volunteers/", "/imports/template/volunteers.xlsx")):
        assert template in client.get(page).get_data(as_text=True), page
    book = load_workbook(io.BytesIO(client.get("/imports/template/volunteers.xlsx").get_data()))
    header = [c.value for c in book.worksheets[0][1]]
    assert header[:4] == ["姓名", "手机号码", "性别", "县(市、区)"] and "说明" in book.sheetnames
    assert len(book.worksheets[0].data_validations.dataValidation) >= 4
