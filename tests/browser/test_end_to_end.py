"""The whole programme in a real browser (headless Chromium), in both languages.

A volunteer signs up on a phone; a coordinator vets them, registers a child, starts a
matching run and watches its progress bar finish, approves the proposal; the volunteer
logs in, sees the pair and logs a contact; the coordinator's overview shows the new
figures. A real Celery worker (filesystem broker) runs the matching. Screenshots of the
main pages go to docs/screenshots/ for the README.
"""

import pytest
from playwright.sync_api import sync_playwright

from core.clock import today_local
from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    assert_accessible,
    coordinator_figures,
    live_server,
    login_with_keyboard,
    screenshot,
    switch_language,
    watch_for_errors,
)
from tests.conftest import COUNTY_A, PASSWORD
from tests.sms_codes import sent_codes
from tests.worker import running_worker, wait_for

pytestmark = pytest.mark.integration

VOLUNTEER_PHONE = "13900001111"
VOLUNTEER_PASSWORD = "caring-parent-1"


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def web(make_app):
    """The site as served: CSRF on, background jobs on a real worker, not inline."""
    return make_app(CELERY_ALWAYS_EAGER=False, REDIS_URL=None, WTF_CSRF_ENABLED=True)


@pytest.fixture
def coordinator_phone(app, create_user):
    from extensions import db
    from models import User

    user_id = create_user(regions=(COUNTY_A,), name="李协调")
    with app.app_context():
        return db.session.get(User, user_id).phone


def translated(web, lang: str, message: str, **params) -> str:
    from flask_babel import force_locale, gettext

    with web.test_request_context(), force_locale(lang):
        return gettext(message, **params)


class Person:
    """One person's browser tab, with its script errors collected."""

    def __init__(self, browser, device: dict):
        self.context = browser.new_context(locale="zh-CN", **device)
        self.page = self.context.new_page()
        self.errors = watch_for_errors(self.page)

    def visit(self, url: str):
        self.page.goto(url)
        assert_accessible(self.page)
        return self.page

    def submit(self, selector: str = "main form [type=submit]"):
        with self.page.expect_navigation():
            self.page.locator(selector).first.click()
        assert_accessible(self.page)
        return self.page

    def close(self):
        assert not self.errors, self.errors
        self.context.close()


def volunteer_signs_up(volunteer: Person, base: str, lang: str, web) -> None:
    page = volunteer.visit(f"{base}/volunteers/signup")
    if lang == "en":
        switch_language(page, "en")
    page.fill("#name", "韦丽华")
    page.fill("#phone", VOLUNTEER_PHONE)
    page.fill("#password", VOLUNTEER_PASSWORD)
    page.check("input[name=gender][value=F]")
    page.locator(".county-field details summary").click()  # the cascade is still there
    picker = page.locator(".region-picker")
    for level, code in (("province", "450000"), ("city", "450100"), ("county", COUNTY_A)):
        select = picker.locator(f"select[data-level={level}]")
        select.locator(f"option[value='{code}']").wait_for(state="attached")
        select.select_option(code)
    assert page.input_value("#region_code") == COUNTY_A
    page.check("input[name=skills][value=academic]")
    page.check("input[name=skills][value=emotional]")
    page.select_option("#capacity", "2")
    page.fill("#max_distance_km", "30")
    page.check("#privacy_consent")
    page.evaluate("() => window.scrollTo(0, 0)")
    screenshot(page, f"{lang[:2]}-phone-signup")
    earlier = len(sent_codes(web, "+86" + VOLUNTEER_PHONE))
    page = volunteer.submit()
    # The account starts working once the code sent by SMS is typed in.
    assert page.url.endswith("/auth/verify")
    code = wait_for(lambda: sent_codes(web, "+86" + VOLUNTEER_PHONE)[earlier:],
                    timeout=60)[-1]
    page.fill("#code", code)
    screenshot(page, f"{lang[:2]}-phone-verify")
    page = volunteer.submit()
    assert page.url.endswith("/volunteers/me")
    assert page.locator(".alert-success").count() == 1


def coordinator_vets(coordinator: Person, base: str) -> None:
    page = coordinator.visit(f"{base}/volunteers/?status=pending")
    with page.expect_navigation():
        page.get_by_role("link", name="韦丽华").click()
    assert_accessible(page)
    page.fill("#certificate_no", "桂公证2026-0042")
    page.fill("#issuing_office", "横州市公安局")
    page.fill("#issued_on", "2026-01-15")
    coordinator.submit("form[action$='/checks'] [type=submit]")
    coordinator.submit("form[action$='/vet'] [type=submit]")
    assert page.locator(".badge.text-bg-success").count() >= 1


def coordinator_registers_child(coordinator: Person, base: str) -> None:
    page = coordinator.visit(f"{base}/children/new")
    page.fill("#name", "黄小明")
    page.select_option("#gender", "M")
    page.fill("#birth_date", "2015-03-02")
    page.fill("#region_code", COUNTY_A)
    page.fill("#township", "校椅镇")
    page.select_option("#category", "left_behind")
    page.check("input[name=needs][value=academic]")
    page.select_option("#priority", "urgent")
    page.fill("#guardian_name", "黄奶奶")
    page.select_option("#guardian_relation", "grandparent")
    page.fill("#guardian_phone", "13700001234")
    page.check("#consent_given")
    page.fill("#consent_given_by", "黄奶奶")
    page.select_option("#consent_method", "paper")
    page.fill("#consent_given_on", "2026-01-10")
    page = coordinator.submit()
    assert "/children/" in page.url and page.url.rstrip("/").split("/")[-1].isdigit()


def coordinator_runs_matching(coordinator: Person, base: str, lang: str, web) -> None:
    page = coordinator.visit(f"{base}/matching/")
    page.fill("#region_code", COUNTY_A)
    page = coordinator.submit()
    assert "/matching/runs/" in page.url
    # The page polls the run and reloads itself when the worker has finished.
    page.locator("[data-run-progress][data-run-state=done]").wait_for(timeout=120_000)
    assert_accessible(page)
    bar = page.locator("[role=progressbar]")
    assert bar.get_attribute("aria-valuenow") == "100"
    assert page.locator("[data-run-bar]").evaluate("el => el.style.width") == "100%"
    assert page.locator("[data-run-percent]").inner_text() == "100%"
    assert page.inner_text("[data-run-phase]") == translated(web, lang, "All phases finished")
    screenshot(page, f"{lang[:2]}-desktop-matching-run")
    coordinator.submit("form[action*='/proposals/'][action$='/approve'] [type=submit]")
    assert page.locator(".alert-success").count() == 1


def volunteer_logs_contact(volunteer: Person, base: str, lang: str, web) -> None:
    page = volunteer.page
    page.goto(f"{base}/auth/login")
    assert_accessible(page)
    page.fill("#phone", VOLUNTEER_PHONE)
    page.fill("#password", VOLUNTEER_PASSWORD)
    page = volunteer.submit()
    assert page.url.endswith("/volunteers/me")
    assert page.get_attribute("html", "lang") == ("en" if lang == "en" else "zh-CN")
    card = page.locator("section.card")
    assert card.count() == 1 and "小明" in card.inner_text()
    assert page.locator("#my-reminders + ul li").count() == 2  # the next call and visit
    screenshot(page, f"{lang[:2]}-phone-my-children")
    with page.expect_navigation():
        card.get_by_role("link", name=translated(web, lang, "Log a contact")).tap()
    assert_accessible(page)
    # Prefilled: today (Asia/Shanghai) and the usual kind of contact, a phone call.
    assert page.input_value("#contact_date") == today_local().isoformat()
    assert page.is_checked("input[name=kind][value=call]")
    page.locator("label[for=child_mood-0]").tap()
    assert page.is_checked("input[name=child_mood][value=happy]")
    page.fill("#notes", "聊了学校的事")
    screenshot(page, f"{lang[:2]}-phone-log-contact")
    page = volunteer.submit("main form [type=submit]")
    assert page.url.endswith("/volunteers/me")
    assert translated(web, lang, "Contact logged. Thank you!") in page.inner_text("main")


def run_programme(browser, web, coordinator_phone: str, lang: str) -> None:
    with live_server(web) as base, running_worker():
        volunteer = Person(browser, PHONE)
        volunteer_signs_up(volunteer, base, lang, web)
        volunteer.context.clear_cookies()

        coordinator = Person(browser, DESKTOP)
        coordinator.visit(base + "/")
        if lang == "en":
            switch_language(coordinator.page, "en")
        login_with_keyboard(coordinator.page, base, coordinator_phone, PASSWORD)
        assert coordinator_figures(coordinator.page, base)["pending"] == 1
        coordinator_vets(coordinator, base)
        coordinator_registers_child(coordinator, base)
        coordinator_runs_matching(coordinator, base, lang, web)

        if lang == "en":
            switch_language(volunteer.visit(base + "/"), "en")
        volunteer_logs_contact(volunteer, base, lang, web)

        figures = coordinator_figures(coordinator.page, base)
        assert figures == {"children": 1, "pending": 0, "vetted": 1, "pairs": 1,
                           "contacts": 1}, figures
        screenshot(coordinator.page, f"{lang[:2]}-desktop-overview")
        dashboard = coordinator_figures(coordinator.page, base, "/dashboard/")
        assert {name: dashboard[name] for name in (
            "registered", "with_consent", "paired", "waiting", "pending", "vetted",
            "at_capacity", "active_pairs", "compliance_percent", "overdue_pairs",
            "open_concerns")} == {
            "registered": 1, "with_consent": 1, "paired": 1, "waiting": 0, "pending": 0,
            "vetted": 1, "at_capacity": 0, "active_pairs": 1, "compliance_percent": 100,
            "overdue_pairs": 0, "open_concerns": 0}, dashboard
        coordinator.page.wait_for_function(
            "document.querySelectorAll('.chart canvas, .chart svg').length >= 4")
        screenshot(coordinator.page, f"{lang[:2]}-desktop-dashboard")
        volunteer.close()
        coordinator.close()


def test_the_programme_end_to_end_in_chinese(browser, web, coordinator_phone):
    run_programme(browser, web, coordinator_phone, "zh_CN")


def test_the_programme_end_to_end_in_english(browser, web, coordinator_phone):
    run_programme(browser, web, coordinator_phone, "en")


LEDGER_HEADER = ("external_id,name,gender,birth_date,region_code,latitude,longitude,category,"
                 "needs,priority,guardian_name,guardian_phone,guardian_relation")
LEDGER_ROWS = [
    f"C001,黄小明,M,2015-03-02,{COUNTY_A},,,left_behind,academic;emotional,urgent,黄奶奶,"
    "13700001234,grandparent",
    f"C002,韦小花,F,2016-07-19,{COUNTY_A},,,in_difficulty,health,,韦爷爷,13700005678,grandparent",
]


#: Records what the upload box shows at each change, in the window (which outlives the
#: document the answer replaces).
WATCH_UPLOAD_BOX = """() => {
    window.uploadStates = [];
    const box = document.querySelector('[data-upload-box]');
    new MutationObserver(() => window.uploadStates.push({
        hidden: box.hidden,
        value: box.querySelector('[role=progressbar]').getAttribute('aria-valuenow'),
        label: box.querySelector('[data-upload-label]').textContent,
        sending: box.closest('form').querySelector('[type=submit]').disabled,
    })).observe(box, {subtree: true, attributes: true, childList: true, characterData: true});
}"""


def upload_ledger(page, rows: list[str]) -> list[dict]:
    """Send a ledger through the page's form; return what the progress box showed."""
    page.evaluate(WATCH_UPLOAD_BOX)
    data = "\n".join([LEDGER_HEADER, *rows]).encode()
    page.set_input_files("#file", files=[{"name": "ledger.csv", "mimeType": "text/csv",
                                          "buffer": data}])
    page.evaluate("document.body.dataset.before = 'upload'")
    page.locator("main form [type=submit]").click()
    # The answer's page replaces this document (and its body) when it arrives.
    page.wait_for_function("() => document.body && document.body.dataset.before !== 'upload'"
                           " && document.readyState === 'complete'")
    return page.evaluate("window.uploadStates")


def assert_progress_shown(states: list[dict], checking: str) -> None:
    assert states and all(not s["hidden"] and s["sending"] for s in states), states
    assert states[-1]["value"] == "100" and states[-1]["label"] == checking, states


def wait_for_the_import(page, state: str) -> str:
    """The import's page polls its job and reloads itself when the worker has finished;
    return the percentage its bar shows then."""
    assert "/imports/" in page.url
    page.locator(f"[data-import-job][data-run-state={state}]").wait_for(timeout=120_000)
    assert_accessible(page)
    value = page.get_attribute("[data-import-job] [role=progressbar]", "aria-valuenow")
    assert page.locator("[data-run-bar]").evaluate("el => el.style.width") == f"{value}%"
    if state == "failed":  # red, and says it was not imported (no percentage to misread)
        assert "bg-danger" in page.get_attribute("[data-run-bar]", "class")
        assert page.locator("[data-run-percent]").count() == 0
        assert page.inner_text("[data-run-status]") in ("未导入", "Not imported")
    else:
        assert page.locator("[data-run-percent]").inner_text() == f"{value}%"
    return value


def test_a_ledger_upload_shows_its_progress_and_then_the_answer(browser, web,
                                                               coordinator_phone):
    with live_server(web) as base, running_worker():
        coordinator = Person(browser, DESKTOP)
        login_with_keyboard(coordinator.page, base, coordinator_phone, PASSWORD)
        page = coordinator.visit(f"{base}/children/import")

        checking = page.get_attribute("[data-upload-box]", "data-checking")
        bad_row = LEDGER_ROWS[1].replace("2016-07-19", "2016-13-40")
        assert_progress_shown(upload_ledger(page, [LEDGER_ROWS[0], bad_row]), checking)
        # Every row was checked, then the import stopped: nothing saved, each problem listed.
        assert wait_for_the_import(page, "failed") == "100"  # a full red bar: 未导入
        assert "3" in page.inner_text(".alert-danger table tbody tr")  # the bad row's number
        page.click("main a[href$='/children/import']")
        page.wait_for_load_state()

        assert_progress_shown(upload_ledger(page, LEDGER_ROWS), checking)
        assert wait_for_the_import(page, "done") == "100"
        assert "2" in page.inner_text("[data-import-done]")
        page.click("main a.btn[href$='/children/']")
        page.wait_for_load_state()
        assert page.url.endswith("/children/")
        assert page.locator("table tbody tr").count() == 2
        screenshot(page, "zh-desktop-children")
        coordinator.close()
