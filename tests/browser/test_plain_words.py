"""Words, not codes, on every page: each role walks every page it can open in Chinese
and in English. A Chinese page shows no word in Latin letters outside a short allowlist
(API, XLSX, CSV, units, the language button); an English page shows no Chinese outside the
people's own data (names, places, the SMS text as sent, which is always Chinese)."""

import re
from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import select, update

from core.clock import LOCAL_TZ, today_local
from extensions import db
from models import Application, Child, ImportJob, MatchRun, OutboxMessage, Proposal, User, Volunteer
from services.followups import contacts
from services.imports import compare
from services.regions import region_tree
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, live_server, screenshot
from tests.conftest import APPROVED_AT, COUNTY_A, PASSWORD
from tests.web.test_authorization_matrix import submit_application
from tests.web.test_county_ledgers import HEADERS, ROWS, county_workbook, run

pytestmark = pytest.mark.integration

#: Latin words a Chinese page may show: formats, units, the language button, brand names
#: of SMS providers, and the placeholders of fields where people type codes.
LATIN_ALLOWED = {"API", "XLSX", "CSV", "km", "English", "SMS", "ID", "QQ", "WPS", "Excel",
                 "T", "HH", "MM", "YYYY", "OpenAPI", "JSON", "Bearer",
                 # file types a clerk saves as, written as Excel and WPS write them
                 "xlsx", "xls", "ods", "csv", "XLS", "ODS", "PDF"}
#: Elements whose text is the people's own data or the SMS as sent (always Chinese).
USER_TEXT = ".sms-text, [data-user-text], [data-lang-switch], [data-required-columns]"

VISIBLE_TEXT = """(skip) => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('script, style, noscript, template, datalist').forEach(e => e.remove());
  body.querySelectorAll(skip).forEach(e => e.remove());
  const holder = document.createElement('div');
  holder.style.position = 'absolute'; holder.style.left = '-99999px';
  holder.appendChild(body);
  document.documentElement.appendChild(holder);
  const text = holder.innerText + ' ' + Array.from(document.querySelectorAll(
      'input[placeholder], textarea[placeholder]')).map(e => e.placeholder).join(' ')
      + ' ' + document.title;
  holder.remove();
  return text;
}"""


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def world(app, make_pair, create_user, create_child):
    """Every kind of record a page shows: a pair, an open and a rejected proposal, a
    concern, queued SMS, an admin."""
    made = make_pair()
    coordinator = min(made["coordinators"])
    admin = create_user(role="admin", name="王管理")
    other = create_child(coordinator, name="韦小花", needs=["academic"])
    with app.app_context():
        actor = db.session.get(User, coordinator)
        run = MatchRun(region_code=COUNTY_A, run_date=APPROVED_AT.date(), status="done",
                       phase="done", progress=1.0,
                       stats={"children": 1, "volunteers": 1, "candidates": 1, "proposed": 1})
        db.session.add(run)
        db.session.flush()
        proposal = Proposal(run_id=run.id, child_id=other, volunteer_id=made["volunteer"],
                            distance_km=0.0, quality=80, need_score=60, distance_score=20,
                            matched_needs="academic", priority="urgent", reject_reason="")
        db.session.add(proposal)
        concern = contacts.raise_concern(db.session, actor, made["child"], "safety",
                                         "孩子说放学路上有陌生人跟着")
        # One notice waits for the end of quiet hours, one for tomorrow (the daily limit).
        tomorrow_8 = datetime.combine(today_local() + timedelta(days=1), time(8), LOCAL_TZ)
        for template, reason in (("pair_approved_guardian", ""), (
                "pair_approved_volunteer",
                "daily limit of 5 SMS for this number reached; waits for the next day")):
            db.session.execute(update(OutboxMessage).where(OutboxMessage.template == template)
                               .values(not_before=tomorrow_8, reason=reason))
        volunteer_user = db.session.execute(select(Volunteer.user_id).where(
            Volunteer.id == made["volunteer"])).scalar_one()
        db.session.commit()
        names = {u.name for u in db.session.query(User)} | \
            {c.name for c in db.session.query(Child)} | {"黄奶奶", "奶奶", "丽华", "小明", "小花"}
        phones = {role: db.session.get(User, uid).phone for role, uid in (
            ("admin", admin), ("coordinator", coordinator), ("volunteer", volunteer_user))}
        tree = region_tree(db.session)
        places = {r.name for r in tree.by_code.values()} | \
            {tree.full_name(c) for c in tree.by_code if c.startswith("45")}
        ids = {"child_id": made["child"], "volunteer_id": made["volunteer"],
               "pair_id": made["pair"], "run_id": run.id, "proposal_id": proposal.id,
               "user_id": coordinator, "concern_id": concern.id}
    ids.update(ledger_pages(app, coordinator))
    with app.app_context():
        application = db.session.get(Application, ids["application_id"])
        codes = [application.reference, application.notice_version]
    return {"ids": ids, "phones": phones, "codes": codes, "own_words": sorted(
        names | places | {"孩子说放学路上有陌生人跟着", "中文", "牵手童行", "周末", "想帮助孩子"}
        # The programme's own terms, kept beside the English words on purpose.
        | {"一人一档", "打印档案", "户籍地", "自主申报", "强制报告", "五位一体", "监测预防",
           "应急处置", "评估帮扶", "监护干预", "受理", "办结", "登记表", "民政", "资源", "转介",
           "核实"}
        # A family's application and the county's own ledger: its headers, its cells, the
        # values it may hold and the problem column of the marked-up file.
        | {"王小军", "王建国", "覃小丽", "父母外出务工", "问题说明", "男、女", "未知",
           "2016年5月4日", "2016年13月40日", *HEADERS,
           *(str(cell) for row in ROWS for cell in row)},
        key=len,
        reverse=True)}


def ledger_pages(app, coordinator: int) -> dict:
    """A county ledger refused for a bad row, one imported, a list held for a comparison and
    a family's application: the pages a clerk reads after an upload."""
    bad = [list(ROWS[0])]
    bad[0][2], bad[0][3], bad[0][4] = "未知", "", "2016年13月40日"
    failed = run(app, coordinator, county_workbook(bad))
    done = run(app, coordinator, county_workbook())
    assert (failed["status"], done["status"]) == ("failed", "done"), (failed, done)
    with app.app_context():
        jobs = [job.id for job in db.session.execute(
            select(ImportJob).order_by(ImportJob.id)).scalars()]
        held = compare.hold(db.session, db.session.get(User, coordinator),
                            county_workbook([[3, "覃小丽", *ROWS[0][2:]]]))
        application = submit_application(app, COUNTY_A, "13600001234")
        db.session.commit()
        return {"job_id": jobs[0], "done_job_id": jobs[1], "comparison_id": held.id,
                "application_id": application}


def pages(app, ids) -> list[str]:
    """Every page (GET, HTML) of the site with its ids filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api/v1", "/static", "/regions")):
            continue
        if rule.endpoint.endswith(("status", ".data", ".scatter", "health", "_ledger",
                                   "month_report")) or rule.rule in ("/api/docs",):
            continue
        if any(arg not in ids for arg in rule.arguments):
            continue
        if rule.rule.endswith((".xlsx", ".pdf", ".csv", ".png")):
            continue  # files to download (templates, certificates), not pages
        urls.append(re.sub(r"<(?:int:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule))
    if "done_job_id" in ids:  # the same page for an import that went through
        urls.append(f"/imports/{ids['done_job_id']}")
    return sorted(set(urls))


def latin_words(text: str, codes=()) -> set[str]:
    """Latin words of a Chinese page, less the allowlist, the codes people type (an
    application's reference) and Excel's own column letters ("第 4 行 C 列")."""
    for code in codes:
        text = text.replace(code, " ")
    text = re.sub(r"[A-Z]{1,3}(?= ?列)", " ", text)
    return {w for w in re.findall(r"[A-Za-z]+", text) if w not in LATIN_ALLOWED}


def chinese_left(text: str, own_words: list[str]) -> set[str]:
    for word in own_words:
        text = text.replace(word, " ")
    return set(re.findall(r"[\u3400-\u9fff]+", text))


def logged_in(browser, base, phone, lang, device=DESKTOP):
    """A new browser context of ``device`` size, logged in, its page."""
    context = browser.new_context(locale="zh-CN" if lang == "zh" else "en-US", **device)
    page = context.new_page()
    page.goto(f"{base}/auth/login")
    page.fill("#phone", phone)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form [type=submit]").first.click()
    return context, page


def walk(browser, base, app, world, role, lang):
    context, page = logged_in(browser, base, world["phones"][role], lang)
    if lang == "en":
        page.goto(f"{base}/")
        with page.expect_navigation():
            page.locator("form[action$='/language/en'] button").click()
    problems = {}
    for url in pages(app, world["ids"]):
        page.goto(base + url)
        if "html" not in (page.evaluate("document.contentType") or ""):
            continue
        shots = {"/followups/outbox": "zh-desktop-outbox",
                 f"/imports/{world['ids']['job_id']}": "zh-desktop-import-refused",
                 f"/imports/{world['ids'].get('done_job_id')}": "zh-desktop-import-done",
                 f"/children/compare/{world['ids']['comparison_id']}": "zh-desktop-compare"}
        if (role, lang) == ("coordinator", "zh") and url in shots:
            screenshot(page, shots[url])
        text = page.evaluate(VISIBLE_TEXT, USER_TEXT)
        found = latin_words(text, world["codes"]) if lang == "zh" else \
            chinese_left(text, world["own_words"])
        if found:
            problems[url] = sorted(found)
    context.close()
    return problems


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("role", ["admin", "coordinator", "volunteer"])
def test_every_page_speaks_the_users_language(browser, make_app, app, world, role, lang):
    web = make_app(WTF_CSRF_ENABLED=True)
    with live_server(web) as base:
        problems = walk(browser, base, app, world, role, lang)
        if (role, lang) == ("coordinator", "zh"):
            phone_shots(browser, base, world)
    assert not problems, sorted(problems.items())


#: How many lines each child's name in a list takes (a name broken one character a line
#: is unreadable on a phone).
NAME_LINES = """() => Array.from(document.querySelectorAll('[data-name]')).map(cell => {
  const range = document.createRange(); range.selectNodeContents(cell);
  return new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size;
})"""


def phone_shots(browser, base, world):
    """The pages a clerk reads after an upload, on a phone: nothing cut off sideways."""
    context, page = logged_in(browser, base, world["phones"]["coordinator"], "zh", PHONE)
    ids = world["ids"]
    for url, name in ((f"/children/compare/{ids['comparison_id']}", "zh-phone-compare"),
                      (f"/imports/{ids['done_job_id']}", "zh-phone-import-done")):
        page.goto(base + url)
        screenshot(page, name)
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"{url} is wider than the phone by {overflow} px"
        lines = page.evaluate(NAME_LINES)
        assert lines and set(lines) == {1}, f"{url}: a name wraps over {max(lines)} lines"
    context.close()
