"""Phone layouts at 390 px: the proposals review, pairs, children and volunteers lists are
cards (no sideways scrolling, names on one line), and approve/reject are big buttons a
thumb reaches; rejecting asks why on its own page."""

import pytest
from playwright.sync_api import sync_playwright

from extensions import db
from models import MatchRun, Proposal, User
from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    assert_accessible,
    live_server,
    screenshot,
)
from tests.conftest import APPROVED_AT, COUNTY_A, PASSWORD

pytestmark = pytest.mark.integration

#: Where each thing sits on the page, and whether the page scrolls sideways.
LAYOUT = """(selector) => {
  const box = el => {
    const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, width: r.width, height: r.height, top: r.top};
  };
  const lines = a => Math.round(a.getBoundingClientRect().height /
                                (parseFloat(getComputedStyle(a).lineHeight) || 20));
  return {
    sideways: document.documentElement.scrollWidth > window.innerWidth + 1,
    rows: Array.from(document.querySelectorAll(selector + ' tbody tr')).map(tr => ({
      display: getComputedStyle(tr).display,
      name: box(tr.querySelector('.card-title-cell a')),
      nameLines: lines(tr.querySelector('.card-title-cell a')),
      buttons: Array.from(tr.querySelectorAll('.card-actions .btn')).map(box),
    })),
  };
}"""


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def review(app, make_pair, create_child):
    """A coordinator with an active pair and a run with two open proposals."""
    made = make_pair()
    coordinator = min(made["coordinators"])
    children = [create_child(coordinator, name=n, needs=["academic"])
                for n in ("欧阳小花", "韦小军")]
    with app.app_context():
        run = MatchRun(region_code=COUNTY_A, run_date=APPROVED_AT.date(), status="done",
                       phase="done", progress=1.0,
                       stats={"children": 2, "volunteers": 1, "candidates": 2, "proposed": 2})
        db.session.add(run)
        db.session.flush()
        for child in children:
            db.session.add(Proposal(run_id=run.id, child_id=child,
                                    volunteer_id=made["volunteer"], distance_km=0.0,
                                    quality=80, need_score=60, distance_score=20,
                                    matched_needs="academic", priority="urgent",
                                    reject_reason=""))
        db.session.commit()
        return {"run": run.id, "phone": db.session.get(User, coordinator).phone}


def assert_cards(layout):
    assert not layout["sideways"], "the page scrolls sideways at 390 px"
    assert layout["rows"], "no rows shown"
    for row in layout["rows"]:
        assert row["display"] == "block", row
        assert row["nameLines"] <= 1, f"a name wraps: {row}"
        for button in row["buttons"]:
            assert button["left"] >= 0 and button["right"] <= 390, f"cut off: {button}"
            assert button["height"] >= 44, f"too small for a thumb: {button}"


def test_proposals_and_pairs_on_a_phone(browser, make_app, review):
    web = make_app(WTF_CSRF_ENABLED=True)
    with live_server(web) as base:
        context = browser.new_context(locale="zh-CN", **PHONE)
        page = context.new_page()
        page.goto(f"{base}/auth/login")
        page.fill("#phone", review["phone"])
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.locator("main form [type=submit]").first.click()

        page.goto(f"{base}/matching/runs/{review['run']}")
        assert_accessible(page)
        layout = page.evaluate(LAYOUT, "[data-proposals]")
        assert_cards(layout)
        assert all(len(row["buttons"]) == 2 for row in layout["rows"])  # approve + reject
        assert "同县（按县中心估算）" in page.inner_text("[data-proposals]")
        screenshot(page, "zh-phone-proposals")

        page.locator("[data-reject]").first.tap()
        page.wait_for_url("**/reject**")
        assert_accessible(page)
        page.locator("label", has_text="距离太远").tap()
        page.fill("#reason", "山路远")
        with page.expect_navigation():
            page.locator("[data-confirm-reject]").tap()
        assert "原因已记入" in page.inner_text("main")

        page.locator("label[for^=pick-]").first.tap()
        with page.expect_navigation():
            page.locator("[data-approve-selected]").tap()
        assert page.locator("[data-approve-count]").get_attribute("data-approve-count") == "1"
        with page.expect_navigation():
            page.locator("[data-confirm-approve]").tap()
        assert "已批准 1 个结对" in page.inner_text("main")

        for path, selector in (("/matching/pairs/", "[data-pairs]"),
                               ("/children/", "[data-children]"),
                               ("/volunteers/", "[data-volunteers]")):
            page.goto(base + path)
            assert_accessible(page)
            assert_cards(page.evaluate(LAYOUT, selector))
        page.goto(f"{base}/matching/pairs/")
        screenshot(page, "zh-phone-pairs")
        context.close()
