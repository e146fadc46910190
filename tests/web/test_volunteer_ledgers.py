"""Volunteers' ledgers as counties keep them: title and footer rows, Chinese headers, phones
as clerks write them, .xlsx/.xls/.ods/GBK CSV, ambiguous county names, the marked-up
workbook of a refused upload, all sent through the web page and saved field by field."""

import io
import re

import pytest
import xlwt
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from extensions import db
from models import Volunteer
from tests.conftest import COUNTY_A
from tests.web.test_county_ledgers import ods_workbook
from tests.web.test_imports import count, upload

TITLE = "横县爱心家长（志愿者）信息台账（2026年11月）"
HEADERS = ["序号", "姓名", "手机号码", "性别", "县（市、区）", "特长/技能", "可结对人数",
           "最远距离（公里）", "儿童性别", "备注"]
ROWS = [
    [1, "陆建国", "139 0000 1001", "男", "横县", "学业辅导、安全教育", 2, 25, "不限", "退休教师"],
    [2, "莫小燕", "+86 139-0000-1002", "女", "南宁市横县", "心理陪伴，兴趣培养", 1, 10, "女", ""],
    [3, "韦丽华", "１３９００００１００３", "女", "450127", "生活帮扶", 3, 15.5, "女孩", ""],
    [4, "黄志强", "+86-13900001004", "男", "广西壮族自治区南宁市横县", "法律援助", 1, 30, "", ""],
]
#: What each row above is saved as.
SAVED = {
    "陆建国": ("+8613900001001", "M", COUNTY_A, "academic;safety", 2, 25.0, None),
    "莫小燕": ("+8613900001002", "F", COUNTY_A, "culture;emotional", 1, 10.0, "F"),
    "韦丽华": ("+8613900001003", "F", COUNTY_A, "daily_life", 3, 15.5, "F"),
    "黄志强": ("+8613900001004", "M", COUNTY_A, "legal", 1, 30.0, None),
}


def workbook(rows=ROWS, headers=HEADERS) -> bytes:
    """The county's volunteers ledger: merged title, 填报单位, headers, rows, 合计, 填表人."""
    book = Workbook()
    sheet = book.active
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(["填报单位：横县民政局", None, None, None, None, "填报日期：2026年11月30日"])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    sheet.append(["合计", f"{len(rows)} 人"])
    sheet.append(["填表人：李四", None, None, "审核人：王五"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xls_workbook(rows=ROWS) -> bytes:
    """The same ledger as Excel 97–2003 (.xls): numbers are number cells, one phone too."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("志愿者")
    sheet.write_merge(0, 0, 0, len(HEADERS) - 1, TITLE)
    for column, header in enumerate(HEADERS):
        sheet.write(1, column, header)
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row):
            if column == 2 and value.isascii() and value.isdigit():
                value = int(value)  # a phone typed into a number cell
            sheet.write(number, column, value)
    sheet.write(len(rows) + 2, 0, "合计")
    sheet.write(len(rows) + 3, 0, "填表人：李四")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_text(rows=ROWS) -> list[list[str]]:
    return [[str(v) for v in row] for row in rows]


def problems(page: str) -> list[str]:
    """The problems a refused import's page lists, as text."""
    return [re.sub(r"<[^>]+>", " ", row) for row in re.findall(r"<tr data-row=.*?</tr>", page)]


def saved(app) -> dict:
    with app.app_context():
        return {v.name: (v.phone, v.gender, v.region_code, v.skills, v.capacity,
                         v.max_distance_km, v.child_gender)
                for v in db.session.execute(select(Volunteer)).scalars()}


def send(client, data, name="志愿者台账.xlsx", **extra) -> str:
    """Upload as the logged-in coordinator; the import's page, once the import ran."""
    response = upload(client, "volunteers", data, name=name, follow=True, **extra)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("fmt", "name"), [
    ("xlsx", "志愿者台账.xlsx"), ("xls", "志愿者台账.xls"), ("ods", "志愿者台账.ods"),
    ("gbk_csv", "志愿者台账.csv")])
def test_a_countys_volunteers_ledger_is_saved_field_by_field(app, client, create_user, login,
                                                             fmt, name):
    if fmt == "xlsx":
        data = workbook()
    elif fmt == "xls":
        data = xls_workbook()
    elif fmt == "ods":
        data = ods_workbook([[TITLE], HEADERS, *as_text(), ["合计", "4"], ["填表人：李四"]])
    else:
        lines = [TITLE, ",".join(HEADERS), *(",".join(r) for r in as_text()), "合计,4",
                 "填表人：李四"]
        data = "\r\n".join(lines).encode("gbk")
    login(create_user())
    page = send(client, data, name=name)
    assert "data-import-done" in page, problems(page)
    assert saved(app) == SAVED
    assert "忽略的列： 序号、备注" in page
    with app.app_context():
        statuses = set(db.session.execute(select(Volunteer.status)).scalars())
    assert statuses == {"pending"}


def test_header_spellings_of_wps_and_other_counties(app, client, create_user, login):
    spelled = ["序号", "志愿者姓名", "联系方式", "性 别", "所在县(市、区)", "服务特长",
               "可结对儿童数", "服务半径(公里)", "结对儿童性别", "备注"]
    login(create_user())
    page = send(client, workbook(headers=spelled))
    assert "data-import-done" in page, problems(page)
    assert saved(app) == SAVED


def test_the_same_ledger_again_changes_nothing(app, client, create_user, login):
    login(create_user())
    send(client, workbook())
    page = send(client, xls_workbook())
    assert "新增 0 名爱心家长，更新 0 名爱心家长" in page and "4 行与已有记录相同" in page
    assert count(app, Volunteer) == 4


@pytest.mark.parametrize("phone", ["139 0000 1001", "139-0000-1001", "+86 139 0000 1001",
                                   "+86-139-0000-1001", "(+86)13900001001",
                                   "８６－１３９００００１００１", "１３９　００００　１００１"])
def test_phones_as_clerks_write_them(app, client, create_user, login, phone):
    login(create_user())
    rows = [list(ROWS[0])]
    rows[0][2] = phone
    page = send(client, workbook(rows))
    assert "data-import-done" in page, problems(page)
    assert saved(app)["陆建国"][0] == "+8613900001001"


@pytest.mark.parametrize(("written", "expected"), [("2人", 2), ("3名", 3), ("25公里", 25.0),
                                                   ("30km", 30.0), ("２", 2)])
def test_capacity_and_distance_written_with_their_units(app, client, create_user, login,
                                                        written, expected):
    login(create_user())
    rows = [list(ROWS[0])]
    column = 6 if isinstance(expected, int) else 7
    rows[0][column] = written
    page = send(client, workbook(rows))
    assert "data-import-done" in page, problems(page)
    assert saved(app)["陆建国"][column - 2] == expected


def test_an_ambiguous_county_name_is_settled_by_the_coordinators_regions(
        app, client, create_user, login, make_app):
    rows = [list(ROWS[0])]
    rows[0][4] = "朝阳区"
    login(create_user(regions=("110105",)))
    assert "data-import-done" in send(client, workbook(rows))
    assert saved(app)["陆建国"][2] == "110105"
    for regions in ((COUNTY_A,), ("110105", "220104")):
        other = make_app().test_client()
        login(create_user(regions=regions), other)
        rows[0][2] = "13900001009"
        page = send(other, workbook(rows))
        assert "未导入" in page and "第 4 行 E 列（县（市、区））" in page
        assert "朝阳区" in page and "北京市朝阳区 110105" in page
        assert "吉林省长春市朝阳区 220104" in page
    assert count(app, Volunteer) == 1


def test_a_refused_ledger_comes_back_marked_and_imports_once_corrected(
        app, client, create_user, login):
    login(create_user())
    rows = [list(ROWS[0]), list(ROWS[1]), list(ROWS[2])]
    rows[1][2], rows[1][5] = "1390000", "心理陪伴、飞行"
    page = send(client, workbook(rows))
    assert "未导入" in page and count(app, Volunteer) == 0
    link = re.search(r'href="([^"]+marked.xlsx)"', page)
    assert link, "no marked-up download"
    book = load_workbook(io.BytesIO(client.get(link[1]).get_data()))
    sheet = book.active
    assert sheet["A1"].value == TITLE and sheet["A2"].value.startswith("填报单位")
    note_column = len(HEADERS) + 1
    assert sheet.cell(row=3, column=note_column).value == "问题说明"
    note = sheet.cell(row=5, column=note_column).value
    assert "第 5 行 C 列（手机号码）" in note and "1390000" in note
    assert "第 5 行 F 列（特长/技能）" in note and "飞行" in note
    for cell in ("C5", "F5"):
        assert sheet[cell].fill.fgColor.rgb.endswith("FFC7CE"), cell
    for cell in ("C4", "E5", "F6"):
        assert sheet[cell].fill.fgColor.rgb in (None, "00000000"), cell
    assert sheet.cell(row=4, column=note_column).value is None
    assert (sheet["A7"].value, sheet["A8"].value) == ("合计", "填表人：李四")
    sheet["C5"], sheet["F5"] = "139 0000 1002", "心理陪伴"
    fixed = io.BytesIO()
    book.save(fixed)
    page = send(client, fixed.getvalue())
    assert "data-import-done" in page and "问题说明" not in page
    assert saved(app)["莫小燕"][:4] == ("+8613900001002", "F", COUNTY_A, "emotional")
    assert count(app, Volunteer) == 3


@pytest.mark.parametrize("name", ["志愿者台账.xlsx", "志愿者台账.xls", "志愿者台账.ods",
                                  "志愿者台账.csv"])
def test_the_command_line_takes_the_same_files_and_reports_in_chinese(
        app, runner, create_user, tmp_path, name):
    create_user(role="admin")
    data = {"xlsx": workbook, "xls": xls_workbook}.get(name.rsplit(".")[-1], lambda: None)()
    if name.endswith(".ods"):
        data = ods_workbook([[TITLE], HEADERS, *as_text(), ["填表人：李四"]])
    elif name.endswith(".csv"):
        data = "\n".join([",".join(HEADERS), *(",".join(r) for r in as_text())]).encode("gbk")
    path = tmp_path / name
    path.write_bytes(data)
    result = runner.invoke(args=["import", "volunteers", str(path)])
    assert result.exit_code == 0, result.output
    assert "新增 4，更新 0，未变 0" in result.output
    assert "识别每行的方式" in result.output and "按手机号码 4 行" in result.output
    assert "忽略的列：序号、备注。" in result.output
    assert saved(app) == SAVED
    result = runner.invoke(args=["import", "volunteers", str(path), "--lang", "en"])
    assert "0 created, 0 changed, 4 unchanged" in result.output
    assert "by phone number: 4 rows" in result.output


def test_the_command_line_names_bad_cells_in_chinese(app, runner, create_user, tmp_path):
    create_user(role="admin")
    rows = [list(ROWS[0]), list(ROWS[1])]
    rows[1][2], rows[1][6] = "1390000", 5
    path = tmp_path / "志愿者台账.xlsx"
    path.write_bytes(workbook(rows))
    result = runner.invoke(args=["import", "volunteers", str(path)])
    assert result.exit_code == 1 and count(app, Volunteer) == 0
    assert "第 5 行 C 列（手机号码）" in result.output and "1390000" in result.output
    assert "第 5 行 G 列（可结对人数）" in result.output
    assert not re.search(r"[A-Za-z]{3,}", result.output), result.output
