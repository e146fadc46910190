"""A volunteers' import page in Chinese: refused or done, it shows words, not codes —
columns by the sheet's own headers, 未导入 in red, 已导入 in green."""

import re

from models import Volunteer
from tests.conftest import COUNTY_A
from tests.web.test_imports import count, upload
from tests.web.test_volunteer_ledgers import ROWS, TITLE, workbook

#: Latin words a Chinese page may show: file types and units.
LATIN_ALLOWED = {"xlsx", "xls", "ods", "csv", "XLSX", "CSV", "WPS", "Excel", "km", "English"}
HEADERS = ["编号", "姓名", "手机号码", "性别", "县（市、区）", "特长/技能", "可结对人数",
           "最远距离（公里）", "儿童性别", "最小年龄", "最大年龄", "纬度", "经度"]


def visible_text(page: str) -> str:
    """The page's text as a reader sees it: no scripts, styles, tags or attributes."""
    page = re.sub(r"<(script|style|template)\b.*?</\1>", " ", page, flags=re.S)
    title = re.search(r"<title>(.*?)</title>", page, flags=re.S)
    body = page[page.find("<body"):]
    return (title[1] if title else "") + " " + re.sub(r"<[^>]+>", " ", body)


def latin_words(page: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_]{2,}", visible_text(page))) - LATIN_ALLOWED


def send(client, data):
    response = upload(client, "volunteers", data, name="志愿者台账.xlsx", follow=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_refused_volunteers_import_is_told_in_chinese(app, client, create_user, login):
    login(create_user())
    rows = [
        ["V1", "陆建国", "139 0000 1001", "男", "横县", "学业辅导", 2, 25, "不限", "", "", "", ""],
        ["V1", "", "1390000", "不详", "朝阳区", "飞行", 5, "很远", "都行", 12, 6, 22.7, ""],
        ["V3", "韦丽华", "139 0000 1001", "女", "资源县", "心理陪伴", 1, 10, "", "", "", "", ""],
    ]
    page = send(client, workbook(rows, HEADERS))
    assert "未导入" in page and "text-bg-danger" in page and count(app, Volunteer) == 0
    assert "已导入" not in page
    problems = re.findall(r"<tr data-row=\"\d+\">(.*?)</tr>", page, flags=re.S)
    assert len(problems) == 13, problems
    for where in ("第 5 行 A 列（编号）", "第 5 行 B 列（姓名）", "第 5 行 C 列（手机号码）",
                  "第 5 行 D 列（性别）", "第 5 行 E 列（县（市、区））",
                  "第 5 行 F 列（特长/技能）", "第 5 行 G 列（可结对人数）",
                  "第 5 行 H 列（最远距离（公里））", "第 5 行 I 列（儿童性别）",
                  "第 5 行 K 列（最大年龄）", "第 5 行 L 列（纬度）", "第 6 行 C 列（手机号码）",
                  "第 6 行 E 列（县（市、区））"):
        assert where in page, where
    assert "您不负责地区 广西壮族自治区桂林市资源县 450329" in page
    assert not latin_words(page), latin_words(page)


def test_a_volunteers_ledger_without_a_phone_column_asks_for_it_in_chinese(
        client, create_user, login):
    login(create_user())
    headers = ["姓名", "电话号码（本人）", "性别", "县（市、区）", "特长/技能", "可结对人数",
               "最远距离（公里）"]
    rows = [["陆建国", "139 0000 1001", "男", "横县", "学业辅导", 2, 25]]
    page = send(client, workbook(rows, headers))
    assert "data-column-mapping" in page and "手机号码" in page
    assert "B 列：电话号码（本人）（139 0000 1001…）" in page
    assert not latin_words(page), latin_words(page)


def test_a_done_volunteers_import_is_told_in_chinese(app, client, create_user, login):
    login(create_user(regions=(COUNTY_A,)))
    send(client, workbook(ROWS[:2]))
    response = upload(client, "volunteers", workbook(ROWS), name="志愿者台账.xlsx",
                      follow=True, vetted="1")
    page = response.get_data(as_text=True)
    assert "已导入" in page and "text-bg-success" in page and "未导入" not in page
    assert "新增 2 名爱心家长，更新 2 名爱心家长" in page
    assert "审核通过 4 名爱心家长" in page and "按手机号码 4 行" in page
    assert "忽略的列： 序号、备注" in page and TITLE not in page
    assert not latin_words(page), latin_words(page)
