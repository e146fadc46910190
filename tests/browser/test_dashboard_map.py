"""The dashboard's map: county boundaries of 横县's city for its coordinator and of all
Guangxi for a province coordinator, each county coloured by the class of its figure;
clicking a county opens its figures. No network: boundaries come from static/maps."""

import pytest
from playwright.sync_api import sync_playwright

from extensions import db
from models import User
from services.reports.county_map import band_of
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, DESKTOP, live_server, screenshot
from tests.conftest import COUNTY_A, COUNTY_B, PASSWORD

pytestmark = pytest.mark.integration

MAP_ITEMS = """() => {
  const chart = echarts.getInstanceByDom(document.querySelector('[data-chart=map]'));
  return chart.getOption().series[0].data.map(d => ({code: d.name, value: d.value,
                                                    colour: d.itemStyle.areaColor}));
}"""


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def counties(app, create_user, create_child):
    """Children waiting in 横县 (5), 宾阳县 (1) and 资源县 (2, Guilin)."""
    county = create_user(regions=(COUNTY_A,), name="横县协调员")
    province = create_user(regions=("450000",), name="省协调员")
    for code, n in ((COUNTY_A, 5), ("450126", 1), (COUNTY_B, 2)):
        for i in range(n):
            create_child(province, name=f"儿童{code}{i}", region_code=code)
    with app.app_context():
        return {"county": db.session.get(User, county).phone,
                "province": db.session.get(User, province).phone}


def open_dashboard(browser, base, phone):
    context = browser.new_context(locale="zh-CN", **DESKTOP)
    page = context.new_page()
    blocked = []
    page.route(lambda url: not url.startswith(base), lambda route: (
        blocked.append(route.request.url), route.abort()))
    page.goto(f"{base}/auth/login")
    page.fill("#phone", phone)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form [type=submit]").first.click()
    page.goto(f"{base}/dashboard/")
    page.locator("[data-chart=map][data-map-drawn]").wait_for(timeout=30_000)
    assert not blocked, f"the page tried to reach the internet: {blocked}"
    data = page.evaluate("() => fetch('/dashboard/data').then(r => r.json())")
    return context, page, data


def assert_colours_follow_figures(items, layer, expected):
    by_code = {item["code"]: item for item in items}
    for code, waiting in expected.items():
        item = by_code[code]
        band = band_of(waiting, layer["bands"])
        assert item["value"] == waiting and layer["classes"].get(code, 0) == band
        assert item["colour"] == layer["bands"][band]["colour"], (code, item, layer["bands"])


def test_the_map_draws_the_coordinators_city(browser, make_app, counties):
    with live_server(make_app()) as base:
        context, page, data = open_dashboard(browser, base, counties["county"])
        assert data["map"]["area"]["code"] == "450100"
        items = page.evaluate(MAP_ITEMS)
        assert len(items) == 12  # Nanning's counties and districts
        layer = data["map"]["layers"]["waiting"]
        assert_colours_follow_figures(items, layer, {COUNTY_A: 5})
        outside = {item["code"]: item for item in items}["450126"]  # 宾阳县: not covered
        assert outside["value"] is None and outside["colour"] == data["map"]["outside_colour"]
        assert layer["bands"][band_of(5, layer["bands"])]["colour"] != \
            layer["bands"][0]["colour"]
        page.locator("[data-chart=map]").scroll_into_view_if_needed()
        page.evaluate("() => window.scrollBy(0, -120)")
        screenshot(page, "zh-desktop-dashboard-map")
        context.close()


def test_the_map_draws_guangxi_and_a_click_opens_a_county(browser, make_app, counties):
    with live_server(make_app()) as base:
        context, page, data = open_dashboard(browser, base, counties["province"])
        assert data["map"]["area"] == {**data["map"]["area"], "level": "province",
                                       "code": "450000"}
        items = page.evaluate(MAP_ITEMS)
        assert len(items) == 111
        layer = data["map"]["layers"]["waiting"]
        assert_colours_follow_figures(items, layer, {COUNTY_A: 5, "450126": 1, COUNTY_B: 2,
                                                     "451481": 0})
        assert len({item["colour"] for item in items}) >= 3
        page.evaluate("""() => echarts.getInstanceByDom(document.querySelector(
            '[data-chart=map]')).trigger('click', {name: '450329'})""")
        page.locator("[data-county-card][data-county='450329']").wait_for()
        card = page.inner_text("[data-county-card]")
        assert "资源县" in card and page.inner_text(
            "[data-county-card] [data-county-figure=registered]") == "2"
        page.select_option("[data-map-metric]", "compliance")
        page.locator("[data-chart=map][data-map-metric=compliance]").wait_for()
        assert "暂无结对" in page.inner_text("[data-map-legend]")
        context.close()
