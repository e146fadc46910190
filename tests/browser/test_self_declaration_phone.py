"""A family applies for its child on a phone (自主申报) and a county clerk decides, in
headless Chromium on a phone viewport: the code, the consent, the queue, the verification,
acceptance (the child in the registry with the consent record), and a decline whose
reason reaches the family by SMS and on the status page. Screenshots go to
docs/screenshots/.
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from core import clock
from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    assert_accessible,
    live_server,
    login_with_keyboard,
    screenshot,
)
from tests.browser.test_end_to_end import Person
from tests.conftest import COUNTY_A, PASSWORD
from tests.worker import wait_for

pytestmark = pytest.mark.integration

FAMILY_PHONE = "13600001111"
#: 10:00 in Shanghai: no quiet hours hold the family's messages.
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
E164 = "+86" + FAMILY_PHONE


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def web(make_app, tmp_path):
    """The site as served, CSRF on; messages are sent inline to an SMS file of its own."""
    return make_app(WTF_CSRF_ENABLED=True, SMS_FILE=str(tmp_path / "sms.jsonl"))


def messages(web, template: str) -> list[dict]:
    path = Path(web.config["SMS_FILE"])
    lines = path.read_text("utf-8").splitlines() if path.exists() else []
    return [r for r in map(json.loads, lines)
            if r.get("template") == template and r.get("to") == E164]


def pick_county(page, target: str, path: tuple[str, str, str]) -> None:
    picker = page.locator(f".region-picker[data-target={target}]")
    for level, code in zip(("province", "city", "county"), path, strict=True):
        select = picker.locator(f"select[data-level={level}]")
        select.locator(f"option[value='{code}']").wait_for(state="attached")
        select.select_option(code)
    assert page.input_value(f"#{target}") == path[-1]


def prove_number(family: Person, base: str, web, shot: str | None = None) -> None:
    page = family.visit(f"{base}/apply/")
    page.fill("#phone", FAMILY_PHONE)
    if shot:
        screenshot(page, f"{shot}-start")
    earlier = len(messages(web, "verification_code"))
    page = family.submit()
    assert page.url.endswith("/apply/code")
    code = wait_for(lambda: messages(web, "verification_code")[earlier:], timeout=30)[-1]
    page.fill("#code", code["params"]["code"])
    page = family.submit()
    assert page.url.endswith("/apply/form")


def family_applies(family: Person, base: str, web, child: str, shot: str | None = None
                   ) -> str:
    prove_number(family, base, web, shot)
    page = family.page
    page.fill("#applicant_name", "王建国")
    page.select_option("#applicant_relation", "parent")
    page.fill("#child_name", child)
    page.select_option("#child_gender", "M")
    page.fill("#child_birth_date", "2016-04-01")
    pick_county(page, "region_code", ("450000", "450100", COUNTY_A))
    page.fill("#township", "横州镇")
    page.select_option("#category", "migrant")
    page.select_option("#sub_type", "with_migrant_parents")
    pick_county(page, "hukou_region_code", ("510000", "510100", "510129"))
    page.check("input[name=needs][value=academic]")
    page.check("input[name=needs][value=emotional]")
    page.fill("#situation", "父母在县城工业园打工，孩子放学后常一个人在家。")
    page.check("#consent")
    page.fill("#signature", "王建国")
    if shot:
        page.locator("#notice").scroll_into_view_if_needed()
        screenshot(page, f"{shot}-consent")
    page = family.submit()
    assert page.url.endswith("/apply/sent"), page.url
    reference = page.locator("[data-reference]").inner_text().strip()
    if shot:
        screenshot(page, f"{shot}-sent")
    sms = wait_for(lambda: [m for m in messages(web, "application_received")
                            if m["params"]["reference"] == reference], timeout=30)
    assert sms[0]["params"]["child_given_name"] == child[1:]
    return reference


def clerk_opens(clerk: Person, base: str, reference: str):
    page = clerk.visit(f"{base}/applications/")
    with page.expect_navigation():
        page.locator(f"[data-application='{reference}']").click()
    assert_accessible(page)
    return page


def test_a_family_applies_on_a_phone_and_the_clerk_accepts_and_declines(
        browser, web, create_user):
    from extensions import db
    from models import User

    clerk_id = create_user(regions=(COUNTY_A,), name="韦协调")
    with web.app_context():
        clerk_phone = db.session.get(User, clerk_id).phone
    with live_server(web) as base, clock.frozen(T0):
        family = Person(browser, PHONE)
        reference = family_applies(family, base, web, "王小军", shot="zh-phone-apply")

        clerk = Person(browser, PHONE)
        login_with_keyboard(clerk.page, base, clerk_phone, PASSWORD)
        page = clerk.visit(f"{base}/applications/")
        assert reference in page.content()
        screenshot(page, "zh-phone-applications-queue")
        page = clerk_opens(clerk, base, reference)
        assert "父母在县城工业园打工" in page.content() and "王建国" in page.content()
        page.select_option("#method", "home_visit")
        page.fill("#note", "11月入户核实：父母在工业园务工，孩子随迁，情况属实。")
        page = clerk.submit("form[action$='/verify'] [type=submit]")
        page.select_option("#priority", "high")
        screenshot(page, "zh-phone-application-decide")
        page = clerk.submit("form[action$='/accept'] [type=submit]")
        assert "/children/" in page.url
        content = page.content()
        assert "王小军" in content and "流动儿童" in content and "大邑县" in content
        assert "网上自主申报时同意" in content and reference in content
        page.locator("[data-consent=online]").scroll_into_view_if_needed()
        screenshot(page, "zh-phone-accepted-child")
        assert wait_for(lambda: messages(web, "application_accepted"), timeout=30)

        # A second application, declined with a reason the family gets by SMS (the
        # number may have a new code a minute after the last one).
        clock.set_now(T0 + timedelta(minutes=2))
        second = family_applies(family, base, web, "王小红")
        page = clerk_opens(clerk, base, second)
        page.select_option("#method", "phone")
        page.fill("#note", "电话核实：孩子已随祖父母回四川老家。")
        page = clerk.submit("form[action$='/verify'] [type=submit]")
        page.fill("#reason", "孩子已回户籍地生活")
        page = clerk.submit("form[action$='/decline'] [type=submit]")
        assert 'data-status="declined"' in page.content()
        declined = wait_for(lambda: messages(web, "application_declined"), timeout=30)
        assert declined[0]["params"] == {"child_given_name": "小红", "reference": second,
                                         "reason": "孩子已回户籍地生活"}

        # The family reads the status with the reference and a new code.
        clock.set_now(T0 + timedelta(minutes=4))
        page = family.visit(f"{base}/apply/status")
        page.fill("#reference", second)
        page.fill("#phone", FAMILY_PHONE)
        earlier = len(messages(web, "verification_code"))
        page = family.submit()
        code = wait_for(lambda: messages(web, "verification_code")[earlier:], timeout=30)[-1]
        page.fill("#code", code["params"]["code"])
        page = family.submit()
        content = page.content()
        assert 'data-status="declined"' in content and "孩子已回户籍地生活" in content
        assert "王小红" not in content and "工业园" not in content
        screenshot(page, "zh-phone-application-status")
        family.close()
        clerk.close()
