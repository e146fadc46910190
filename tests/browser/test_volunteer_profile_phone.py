"""A volunteer on a cheap phone (360×640, zh-CN): their profile, edited; their hours and
the certificate; withdrawing. Screenshots of each page go to docs/screenshots/."""

import io

import pypdfium2
import pytest
from playwright.sync_api import sync_playwright
from pypdf import PdfReader

from core.clock import today_local
from extensions import db
from models import Pair, User, Volunteer
from services.followups import contacts
from services.reports.ledgers import month_bounds
from services.service_records import records
from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    SCREENSHOTS,
    SMALL_PHONE,
    assert_accessible,
    assert_phone_friendly,
    live_server,
    screenshot,
    watch_for_errors,
)
from tests.conftest import COUNTY_A, PASSWORD

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def paired(app, make_pair):
    """A paired volunteer with two logged contacts their coordinator confirmed."""
    made = make_pair()
    with app.app_context():
        volunteer = db.session.get(Volunteer, made["volunteer"])
        user = db.session.get(User, volunteer.user_id)
        pair = db.session.get(Pair, made["pair"])
        day = today_local()
        for kind, minutes in (("call", "40"), ("home_visit", "80")):
            contacts.log_contact(db.session, user, pair, {
                "contact_date": day.isoformat(), "kind": kind, "duration_minutes": minutes,
                "child_mood": "happy", "notes": ""})
        coordinator = db.session.get(User, min(made["coordinators"]))
        records.confirm_month(db.session, coordinator, COUNTY_A,
                              *month_bounds(day.replace(day=1)))
        db.session.commit()
        made["phone"] = volunteer.phone[3:]
    return made


def _log_in(page, base, phone):
    page.goto(f"{base}/auth/login")
    page.fill("#phone", phone)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()
    assert "/volunteers/me" in page.url


def test_profile_edit_hours_certificate_and_withdraw(browser, make_app, app, paired):
    web = make_app(WTF_CSRF_ENABLED=True)
    context = browser.new_context(locale="zh-CN", accept_downloads=True, **SMALL_PHONE)
    page = context.new_page()
    errors = watch_for_errors(page)
    with live_server(web) as base:
        _log_in(page, base, paired["phone"])
        assert_accessible(page)
        assert_phone_friendly(page)
        screenshot(page, "zh-phone360-my-profile", full_page=True)
        with page.expect_navigation():
            page.get_by_role("link", name="修改我的资料").click()
        assert_accessible(page)
        assert_phone_friendly(page)
        page.locator("label", has_text="安全教育").click()
        page.select_option("#capacity", "2")
        page.fill("#max_distance_km", "40")
        page.fill("#availability", "每周六下午")
        screenshot(page, "zh-phone360-profile-edit")
        with page.expect_navigation():
            page.locator("main form [type=submit]").click()
        assert page.locator(".alert-success").inner_text() == "您的资料已保存。"
        assert "每周六下午" in page.inner_text("main") and "安全教育" in page.inner_text("main")

        with page.expect_navigation():
            page.get_by_role("link", name="我的服务时长和证明").click()
        assert_accessible(page)
        assert_phone_friendly(page)
        assert page.inner_text("[data-total-hours]") == "2.0 小时"
        screenshot(page, "zh-phone360-my-hours")
        with page.expect_download() as download:
            page.get_by_role("link", name="下载我的志愿服务记录证明（PDF）").click()
        pdf = download.value.path().read_bytes()
        text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert "志愿服务记录证明" in text and "2.0 小时" in text and "韦丽华" in text
        code = text.split("验证码：", 1)[1].split()[0]
        image = pypdfium2.PdfDocument(pdf)[0].render(scale=1.2).to_pil()
        image.save(SCREENSHOTS / "zh-certificate.png")
        page.goto(f"{base}/verify/{code}")
        assert_accessible(page)
        assert "韦丽华" in page.inner_text("main")
        screenshot(page, "zh-phone360-verify")

        page.goto(f"{base}/volunteers/me/withdraw")
        assert_accessible(page)
        assert_phone_friendly(page)
        page.fill("#reason", "要去外地工作")
        page.locator("label[for=confirm]").click()
        with page.expect_navigation():
            page.locator("main form [type=submit]").click()
        assert "已退出" in page.inner_text("main")
        assert "退出项目" not in page.locator("main a.btn").all_inner_texts()
    assert not errors, errors
    context.close()
    with app.app_context():
        assert db.session.get(Pair, paired["pair"]).end_cause == "volunteer_withdrew"
        assert db.session.get(Volunteer, paired["volunteer"]).status == "withdrawn"


def test_profile_and_hours_on_a_desktop(browser, make_app, paired):
    web = make_app(WTF_CSRF_ENABLED=True)
    context = browser.new_context(locale="zh-CN", **DESKTOP)
    page = context.new_page()
    with live_server(web) as base:
        _log_in(page, base, paired["phone"])
        screenshot(page, "zh-desktop-my-profile")
        page.goto(f"{base}/volunteers/me/hours")
        assert_accessible(page)
        screenshot(page, "zh-desktop-my-hours")
    context.close()
