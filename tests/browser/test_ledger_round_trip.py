"""A county clerk's ledger in a real browser (headless Chromium): download the template,
fill two rows in it, upload, get the workbook back with the bad row marked, correct it
there, upload again. Screenshots at phone and desktop width go to docs/screenshots/."""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import sync_playwright

from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    assert_accessible,
    live_server,
    login_with_keyboard,
    screenshot,
    watch_for_errors,
)
from tests.conftest import COUNTY_A, PASSWORD

pytestmark = pytest.mark.integration


@pytest.fixture
def web(make_app):
    """The site with CSRF on; the import runs while the upload waits (no worker)."""
    return make_app(WTF_CSRF_ENABLED=True)


def upload(page, path) -> None:
    page.set_input_files("input[type=file]", str(path))
    page.locator("form[data-upload-progress] button[type=submit]").click()
    page.wait_for_selector("[data-import-done], [data-import-failed]")
    assert_accessible(page)


@pytest.mark.parametrize(("device", "width"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_template_filled_refused_marked_corrected_and_imported(web, app, create_user,
                                                               tmp_path, device, width):
    from extensions import db
    from models import Child, User

    user_id = create_user(regions=(COUNTY_A,), name="李协调")
    with app.app_context():
        phone = db.session.get(User, user_id).phone
    with sync_playwright() as playwright, live_server(web) as base:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", accept_downloads=True, **device)
        page = context.new_page()
        errors = watch_for_errors(page)
        login_with_keyboard(page, base, phone, PASSWORD)
        page.goto(f"{base}/children/import")
        assert_accessible(page)
        assert "下载台账模板" in page.inner_text("main")
        screenshot(page, f"ledger-upload-{width}")
        with page.expect_download() as got:
            page.locator("[data-template-link]").click()
        template = tmp_path / "模板.xlsx"
        got.value.save_as(template)

        book = load_workbook(template)
        sheet = book.active
        header = [c.value for c in sheet[1]]
        column = {name: i + 1 for i, name in enumerate(header)}
        second = {"姓名": "韦小花", "性别": "女", "出生日期": "2016年5月4日",
                  "县(市、区)": "广西壮族自治区南宁市横县", "乡镇(街道)": "百合镇",
                  "儿童类别": "困境儿童", "主要需求": "心理陪伴", "优先级": "重点",
                  "监护人姓名": "韦秀英", "与儿童关系": "邻居", "监护人联系电话": "137 0000 5678"}
        for name, value in second.items():
            sheet.cell(row=3, column=column[name], value=value)
        filled = tmp_path / "台账.xlsx"
        book.save(filled)

        upload(page, filled)
        text = page.inner_text("main")
        assert "未导入" in text and "第 3 行" in text and "邻居" in text
        screenshot(page, f"ledger-refused-{width}")
        with page.expect_download() as got:
            page.locator("[data-marked-download]").click()
        marked = tmp_path / "问题.xlsx"
        got.value.save_as(marked)

        book = load_workbook(marked)
        sheet = book.active
        note = sheet.cell(row=1, column=len(header) + 1).value
        assert note == "问题说明"
        assert "与儿童关系" in sheet.cell(row=3, column=len(header) + 1).value
        sheet.cell(row=3, column=column["与儿童关系"], value="外祖母")
        book.save(marked)

        page.goto(f"{base}/children/import")
        upload(page, marked)
        text = page.inner_text("main")
        assert "已导入" in text and "新增 2 名儿童" in text
        screenshot(page, f"ledger-imported-{width}")
        assert not errors, errors
        browser.close()
    with app.app_context():
        saved = {c.name: (c.gender, c.birth_date.isoformat(), c.priority, c.guardian_relation)
                 for c in db.session.query(Child)}
    assert saved == {"黄小明": ("M", "2015-03-02", "normal", "grandparent"),
                     "韦小花": ("F", "2016-05-04", "high", "grandparent")}
