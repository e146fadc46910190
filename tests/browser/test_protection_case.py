"""A protection case in a real browser (headless Chromium, zh-CN): a volunteer on a phone
reports immediate danger and is told to call 110; a coordinator on a desktop acknowledges,
assesses, refers to 公安 and 妇联, records both outcomes and closes the case; the child's
file shows every step in order. Screenshots go to docs/screenshots/."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import sync_playwright

from core.clock import today_local
from extensions import db
from models import User, Volunteer
from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    assert_accessible,
    live_server,
    screenshot,
    watch_for_errors,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def log_in(browser, base, phone, device):
    context = browser.new_context(locale="zh-CN", **device)
    page = context.new_page()
    errors = watch_for_errors(page)
    page.goto(f"{base}/auth/login")
    page.fill("#phone", phone)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.press("#password", "Enter")
    assert "/auth/login" not in page.url
    return page, errors


def submit(page, form_selector):
    with page.expect_navigation():
        page.locator(f"main {form_selector} button[type=submit]").first.click()
    assert_accessible(page)


def test_immediate_danger_from_report_to_closed_case(app, make_app, make_pair, browser):
    made = make_pair(township="六景镇石井村")
    with app.app_context():
        volunteer_phone = db.session.get(
            User, db.session.get(Volunteer, made["volunteer"]).user_id).phone
        coordinator_phone = db.session.get(User, min(made["coordinators"])).phone
    web = make_app(WTF_CSRF_ENABLED=True)
    review = (today_local() + timedelta(days=7)).isoformat()
    with live_server(web) as base:
        # The volunteer, on a phone.
        phone, phone_errors = log_in(browser, base, volunteer_phone, PHONE)
        with phone.expect_navigation():
            phone.click("main a:has-text('报告关注情况')")
        assert_accessible(phone)
        phone.check("#immediate_danger")
        phone.select_option("#kind", "abuse_neglect")
        phone.fill("#text", "孩子被继父打了，现在躲在邻居家不敢回去")
        phone.fill("#place", "石井村邻居家")
        screenshot(phone, "case-report-phone")
        submit(phone, "form")
        assert phone.locator("[data-call-110]").is_visible()
        assert phone.locator("h1").inner_text() == "请立即拨打110"
        assert phone.locator("a[href='tel:110']").is_visible()
        screenshot(phone, "case-call-110-phone")

        # The coordinator, on a desktop: the home alert links straight to the case.
        desk, desk_errors = log_in(browser, base, coordinator_phone, DESKTOP)
        alert_link = desk.locator("[data-case-alert] li a").first
        assert "紧急危险" in alert_link.inner_text()
        with desk.expect_navigation():
            alert_link.click()
        assert re.search(r"/followups/concerns/\d+$", desk.url)
        assert_accessible(desk)
        submit(desk, "form[action$='/acknowledge']")
        assert "已受理" in desk.locator(".alert").first.inner_text()
        desk.check("input[name=risk_level][value=high]")
        desk.fill("#plan", "公安上门核实；妇联安排临时照料和家长学校")
        desk.fill("#next_review_on", review)
        submit(desk, "form[action$='/assess']")
        for department, contact, number in (("public_security", "李警官", "0771-7022110"),
                                            ("womens_federation", "覃主席", "13600007777")):
            desk.locator("summary", has_text="添加转介").click()
            desk.select_option("#department", department)
            desk.fill("#contact_name", contact)
            desk.fill("#contact_phone", number)
            desk.fill("#request", "请上门核实并保护孩子")
            if department == "public_security":
                desk.check("#guardianship_intervention")
            submit(desk, "form[action$='/referrals']")
        for outcome in ("已出警，继父被训诫", "孩子暂住姑姑家，已报名家长学校"):
            form = desk.locator("form[action$='/outcome']").first
            form.locator("textarea").fill(outcome)
            with desk.expect_navigation():
                form.locator("button[type=submit]").click()
        desk.fill("#close-outcome", "孩子安全，由姑姑临时照料")
        desk.fill("#close-close_reason", "监护已落实，村儿童主任每周回访")
        submit(desk, "form[action$='/close']")
        assert desk.locator("[data-closed]").is_visible()
        assert desk.locator("[data-referral]").count() == 2
        screenshot(desk, "case-closed-desktop")

        # The child's file shows every step, in order.
        with desk.expect_navigation():
            desk.click("main a:has-text('儿童档案')")
        with desk.expect_navigation():
            desk.click("main a:has-text('一人一档')")
        assert_accessible(desk)
        titles = [t.strip() for t in desk.locator(
            "[data-entry=case] strong").all_inner_texts()]
        assert titles == ["报告关注情况", "个案已受理", "个案已评估", "个案已转介", "个案已转介",
                          "转介结果", "转介结果", "个案已办结"], titles
        timeline = desk.locator("[data-file-timeline]").inner_text()
        for words in ("公安", "妇联", "监护干预", "已出警，继父被训诫", "监护已落实"):
            assert words in timeline, words
        assert "13600007777" not in desk.content()
        screenshot(desk, "child-file-desktop")
        case_id = re.search(r"/followups/concerns/(\d+)", desk.content()).group(1)
        desk.goto(f"{base}/followups/concerns/{case_id}/form")
        assert "强制报告登记表" in desk.locator("h1").inner_text()
        screenshot(desk, "case-report-form")
    assert not phone_errors and not desk_errors, phone_errors + desk_errors
