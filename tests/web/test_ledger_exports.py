"""Ledger exports (台账): content, scope, both formats, formula escaping, masking,
batched reading, the month report and its month picker, and the audit rows."""

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core import clock
from core.clock import LOCAL_TZ
from extensions import db
from models import AuditEntry, Child
from services.reports import ledgers
from tests.conftest import COUNTY_A, COUNTY_B
from tests.web.test_dashboard import SOON, planted, valid_id_number  # noqa: F401

FORMULA_STARTS = ("=", "+", "-", "@")


def table(response, fmt):
    """The exported rows as lists of strings (header first)."""
    assert response.status_code == 200, response.data[:300]
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = response.get_data()
    if fmt == "csv":
        assert response.mimetype == "text/csv"
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def download(client, url, when=SOON):
    with clock.frozen(when):
        return client.get(url)


def assert_no_formula(rows):
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_children_ledger_content_scope_escaping_and_masking(planted, login, client, fmt):  # noqa: F811
    login(planted["coordinator_a"])
    rows = table(download(client, f"/dashboard/ledgers/children?fmt={fmt}"), fmt)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["外部编号", "姓名", "性别"]
    column = {name: i for i, name in enumerate(header)}
    by_name = {row[column["姓名"]]: row for row in body}
    # Scope: county A's four children, never county B's.
    assert set(by_name) == {"黄小明", "'=HYPERLINK(\"http://x\")", "李小花", "李小草"}
    assert all(row[column["县代码"]] == COUNTY_A for row in body)
    # The planted formula comes out escaped, and no cell anywhere would run.
    assert_no_formula(rows)
    paired = by_name["黄小明"]
    assert paired[column["结对状态"]] == "已结对" and paired[column["爱心家长"]] == "韦丽华"
    assert by_name["李小花"][column["结对状态"]] == "等待结对"
    assert by_name["李小草"][column["结对状态"]] == "无监护人同意"
    # Privacy: the ID number and the guardian's phone are masked.
    id_number = valid_id_number(COUNTY_A, "2015-03-02")
    masked = by_name["'=HYPERLINK(\"http://x\")"]
    assert masked[column["身份证号（已遮蔽）"]] == "*" * 14 + id_number[-4:]
    assert masked[column["监护人电话（已遮蔽）"]] == "137****1234"
    flat = "\n".join(",".join(r) for r in rows)
    assert id_number not in flat and "13700001234" not in flat


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_pairs_ledger_counts_contacts(planted, login, client, app, fmt):  # noqa: F811
    other = login(planted["coordinator_b"], app.test_client())
    rows_b = table(download(other, f"/dashboard/ledgers/pairs?fmt={fmt}"), fmt)
    assert len(rows_b) == 2 and rows_b[1][0] == str(planted["b"]["pair"])
    login(planted["coordinator_a"])
    rows = table(download(client, f"/dashboard/ledgers/pairs?fmt={fmt}"), fmt)
    header, (row,) = rows[0], rows[1:]
    column = {name: i for i, name in enumerate(header)}
    assert row[column["结对编号"]] == str(planted["a"]["pair"])
    assert row[column["联系次数"]] == "1" and row[column["家访次数"]] == "0"
    assert row[column["上次联系"]] == "2026-12-05"
    assert row[column["儿童"]] == "黄小明" and row[column["爱心家长"]] == "韦丽华"
    assert "****" in row[column["爱心家长电话（已遮蔽）"]]
    assert row[column["逾期"]] == "否"
    assert_no_formula(rows)


def test_english_headers(planted, login, client):  # noqa: F811
    login(planted["coordinator_a"])
    client.post("/language/en")
    rows = table(download(client, "/dashboard/ledgers/children?fmt=csv"), "csv")
    assert rows[0][:3] == ["External id", "Name", "Gender"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_month_report_per_county(planted, login, client, fmt):  # noqa: F811
    login(planted["coordinator_a"])
    rows = table(download(client, f"/dashboard/ledgers/month?month=2026-12&fmt={fmt}"), fmt)
    header = rows[0]
    assert header == ["县代码", "县（区）", "当月结对数", "联系次数", "有联系的结对", "家访次数",
                      "月末逾期结对", "新提交的关注报告", "已处理的关注报告",
                      "已登记留守儿童", "已登记困境儿童", "已登记流动儿童",
                      "收到的自主申报", "7天内核实的申报", "7天内核实比例"]
    county, total = rows[1], rows[-1]
    assert county[0] == COUNTY_A and len(rows) == 3  # county A, then the total; never B
    assert county[2:9] == ["1", "1", "1", "0", "0", "1", "0"]
    assert total[1] == "合计" and total[2:] == county[2:]
    assert_no_formula(rows)


def test_month_report_overdue_at_the_end_of_a_past_month(planted, login, client):  # noqa: F811
    login(planted["coordinator_a"])
    # In February, January is over: the last contact (12-05) was 57 days before 01-31.
    later = datetime(2027, 2, 10, 10, 0, tzinfo=LOCAL_TZ)
    rows = table(download(client, "/dashboard/ledgers/month?month=2027-01&fmt=csv", later),
                 "csv")
    assert rows[1][2:9] == ["1", "0", "0", "0", "1", "0", "0"]
    # At the end of November the pair did not exist yet.
    rows = table(download(client, "/dashboard/ledgers/month?month=2026-11&fmt=csv", later),
                 "csv")
    assert rows[1][2:9] == ["0"] * 7


@pytest.mark.parametrize("month", ["2026-13", "12-2026", "", "abcd-ef", "2027-05", "1999-12"])
def test_a_bad_month_says_what_to_fix(planted, login, client, month):  # noqa: F811
    login(planted["coordinator_a"])
    response = download(client, f"/dashboard/ledgers/month?month={month}&fmt=csv")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "invalid-feedback" in html and ("YYYY-MM" in html or "2000" in html)


def test_ledger_page_offers_every_export(planted, login, client):  # noqa: F811
    login(planted["coordinator_a"])
    html = client.get("/dashboard/ledgers").get_data(as_text=True)
    for url in ("/dashboard/ledgers/children?fmt=xlsx", "/dashboard/ledgers/children?fmt=csv",
                "/dashboard/ledgers/pairs?fmt=xlsx", "/dashboard/ledgers/pairs?fmt=csv",
                'action="/dashboard/ledgers/month"'):
        assert url in html
    assert client.get("/dashboard/ledgers/children?fmt=pdf").status_code == 404


def test_exports_are_audited_per_child(planted, login, client, app):  # noqa: F811
    login(planted["coordinator_a"])
    download(client, "/dashboard/ledgers/children?fmt=csv")
    download(client, "/dashboard/ledgers/pairs?fmt=xlsx")
    with app.app_context():
        exported = db.session.execute(
            select(AuditEntry.record_id, func.count()).where(AuditEntry.action == "child.export")
            .group_by(AuditEntry.record_id)).tuples().all()
        in_a = set(db.session.execute(select(Child.id).where(
            Child.region_code == COUNTY_A)).scalars())
        in_b = set(db.session.execute(select(Child.id).where(
            Child.region_code == COUNTY_B)).scalars())
        exports = db.session.execute(select(AuditEntry.detail).where(
            AuditEntry.action == "ledger.export")).scalars().all()
    counts = dict(exported)
    assert set(counts) == in_a and not set(counts) & in_b
    assert counts[planted["a"]["child"]] == 2  # in both ledgers
    assert sorted(e["ledger"] for e in exports) == ["children", "pairs"]


def test_big_exports_are_read_in_batches(planted, login, client, app, monkeypatch):  # noqa: F811
    """Rows reach the writer batch by batch, and the response is a stream."""
    monkeypatch.setattr(ledgers, "BATCH", 2)
    sizes = []
    original = ledgers.write_csv

    def counting(header, batches):
        def spy():
            for batch in batches:
                sizes.append(len(batch))
                yield batch
        return original(header, spy())

    monkeypatch.setattr(ledgers, "write_csv", counting)
    login(planted["admin"])
    response = download(client, "/dashboard/ledgers/children?fmt=csv")
    assert response.is_streamed
    rows = table(response, "csv")
    assert len(rows) == 1 + 7 and sizes == [2, 2, 2, 1]


def test_safe_cell_escapes_and_cleans():
    assert ledgers.safe_cell("=1+1") == "'=1+1"
    assert ledgers.safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert ledgers.safe_cell("-2+3") == "'-2+3"
    assert ledgers.safe_cell("\ufeff=cmd") == "'\ufeff=cmd"
    assert ledgers.safe_cell("a\x01b") == "ab"
    assert ledgers.safe_cell(-3) == -3 and ledgers.safe_cell(None) == ""
