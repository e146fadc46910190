"""Helpers of the end-to-end tests in headless Chromium: a live server, the checks every
page gets (title, labels, no script errors), keyboard log-in and screenshots."""

import threading
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1,
         "is_mobile": True, "has_touch": True}
#: A cheap phone: 360×640 CSS pixels.
SMALL_PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 1,
               "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1}


@contextmanager
def live_server(web_app):
    """Serve ``web_app`` on a free local port in a thread for the duration of a block."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, web_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


#: Every input, select and textarea a person can use must have a name a screen reader
#: reads out: a <label for>, a wrapping <label>, aria-label or aria-labelledby.
UNLABELLED_FIELDS = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML.slice(0, 120))"""


def assert_accessible(page) -> None:
    """The basics on the page now shown: a title, a language, a label on every field."""
    title = page.title().split("·")[0].strip()
    assert title, f"{page.url} has no page title"
    assert page.get_attribute("html", "lang") in ("zh-CN", "en"), page.url
    unlabelled = page.evaluate(UNLABELLED_FIELDS)
    assert not unlabelled, f"{page.url} has fields without a label: {unlabelled}"


def watch_for_errors(page) -> list[str]:
    """Collect script errors and console errors (a CSP violation is one) of a page."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(
        f"{message.text} {message.location.get('url', '')}")
        if message.type == "error" else None)
    return errors


def login_with_keyboard(page, base: str, phone: str, password: str) -> None:
    """Log in with the keyboard only: Tab to the mobile field, type, Tab, type, Enter."""
    page.goto(f"{base}/auth/login")
    assert_accessible(page)
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "phone":
            break
    else:
        raise AssertionError("the mobile number field cannot be reached with Tab")
    page.keyboard.type(phone)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/auth/login" not in page.url, "keyboard log-in failed"


def switch_language(page, code: str) -> None:
    """Press the language button in the menu (opening the menu first on a phone)."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
    with page.expect_navigation():
        page.locator(f"form[action$='/language/{code}'] button").click()
    expected = "en" if code == "en" else "zh-CN"
    assert page.get_attribute("html", "lang") == expected


def coordinator_figures(page, base: str, path: str = "/") -> dict[str, int]:
    """The figures a coordinator's overview page shows, by their data-figure name."""
    page.goto(base + path)
    assert_accessible(page)
    cells = page.locator("[data-figure]")
    figures = {}
    for i in range(cells.count()):
        text = cells.nth(i).inner_text().strip().rstrip("%")
        if text.isdigit():  # "–" where a share cannot be computed yet
            figures[cells.nth(i).get_attribute("data-figure")] = int(text)
    return figures


def screenshot(page, name: str, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), animations="disabled",
                    full_page=full_page)


#: Everything a finger uses on a form (a choice by its label) and its height in px.
TAP_TARGETS = """() => Array.from(document.querySelectorAll(
    'main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main select, '
    + 'main textarea, main button, main .btn, main .form-check-label, main fieldset li label,'
    + ' main details > summary'))
  .filter(el => el.offsetParent !== null)
  .map(el => [el.id || el.getAttribute('for') || el.textContent.trim().slice(0, 20),
              Math.round(el.getBoundingClientRect().height)])"""

#: The font size in px of every visible piece of text of the main area.
TEXT_SIZES = """() => Array.from(document.querySelectorAll(
    'main p, main label, main li, main legend, main .invalid-feedback, main .form-text, '
    + 'main input, main select, main textarea, main button, main summary'))
  .filter(el => el.offsetParent !== null && el.textContent.trim() !== '')
  .map(el => [el.textContent.trim().slice(0, 20),
              parseFloat(getComputedStyle(el).fontSize)])"""


def assert_phone_friendly(page) -> None:
    """Tap targets at least 44 px tall, text at least 16 px (older volunteers, cheap phones)."""
    small = [t for t in page.evaluate(TAP_TARGETS) if t[1] < 44]
    assert not small, f"{page.url}: tap targets under 44 px: {small[:8]}"
    tiny = [t for t in page.evaluate(TEXT_SIZES) if t[1] < 16]
    assert not tiny, f"{page.url}: text under 16 px: {tiny[:8]}"
