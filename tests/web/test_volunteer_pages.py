"""The volunteer's phone pages (my children, my reminders, the contact form), the
overview figures, search empty states and the language kept across log-in."""

import re
from datetime import date, datetime

from sqlalchemy import select

from core import clock
from core.clock import LOCAL_TZ
from extensions import db
from models import OutboxMessage, User, Volunteer
from services.followups import volunteer_home
from services.sms import outbox
from tests.conftest import COUNTY_B

LATER = datetime(2026, 12, 10, 10, 0, tzinfo=LOCAL_TZ)


def volunteer_user(app, made) -> int:
    with app.app_context():
        return db.session.get(Volunteer, made["volunteer"]).user_id


def log_contact(client, pair_id: int, day: str, kind: str):
    response = client.post(f"/followups/pairs/{pair_id}/contact", data={
        "contact_date": day, "kind": kind, "duration_minutes": "20", "child_mood": "fine",
        "notes": "", "concern_kind": "", "concern_text": ""})
    assert response.status_code == 302, response.data[:300]


def test_my_reminders_hold_only_the_volunteers_own_messages(app, make_pair, create_user):
    made = make_pair()
    other_user = create_user(role="volunteer", name="别人")
    with app.app_context():
        me = db.session.get(User, volunteer_user(app, made))
        coordinator = db.session.get(User, min(made["coordinators"]))
        outbox.queue(db.session, [
            outbox.message_row("x:other", "contact_due", "contact", "volunteer", "13900009999",
                           user_id=other_user, params={"child_given_name": "小红"}),
            outbox.message_row("x:coordinator", "escalation_coordinator", "contact",
                           "coordinator", coordinator.phone, user_id=coordinator.id,
                           pair_id=made["pair"]),
        ])
        db.session.commit()
        mine = volunteer_home.reminders_sent(db.session, me)
        assert sorted((m.template, m.recipient_user_id) for m in mine) == [
            ("pair_approved_volunteer", me.id),  # not the guardian's notice of the same pair
            ("volunteer_vetted", me.id)]
        assert volunteer_home.reminders_sent(db.session, coordinator) == []


def test_my_children_page_lists_due_dates_and_messages(app, make_pair, login, client):
    made = make_pair()
    login(volunteer_user(app, made))
    with clock.frozen(LATER):
        page = client.get("/volunteers/me").get_data(as_text=True)
    assert "我的提醒" in page
    # Approved on 2026-12-01: a call every 14 days, a visit every 30.
    assert re.search(r"与小明通话或视频.*?2026-12-15.*?还有 5 天", page, re.S)
    assert re.search(r"到小明家家访.*?2026-12-31.*?还有 21 天", page, re.S)
    assert "结对已获批准 · 小明" in page and "等待发送" in page
    assert re.search(r"href=\"tel:(\+86)?13700001234\"", page)


def test_due_dates_come_soonest_first_and_overdue_is_marked():
    pairs = [{"pair_id": 1, "next_contact_due": date(2026, 12, 3),
              "next_visit_due": date(2026, 12, 20), "child": {"given_name": "小明"}},
             {"pair_id": 2, "next_contact_due": date(2026, 12, 12), "next_visit_due": None,
              "child": {"given_name": "小红"}}]
    items = volunteer_home.upcoming_due_dates(pairs, today=date(2026, 12, 10))
    assert [(i["pair_id"], i["kind"], i["overdue"], i["days_left"]) for i in items] == [
        (1, "contact", True, -7), (2, "contact", False, 2), (1, "visit", False, 10)]


def test_contact_form_starts_with_today_and_the_usual_kind(app, make_pair, login, client):
    made = make_pair()
    login(volunteer_user(app, made))
    url = f"/followups/pairs/{made['pair']}/contact"
    with clock.frozen(LATER):
        page = client.get(url).get_data(as_text=True)
        assert 'value="2026-12-10"' in page
        assert re.search(r'<input checked[^>]*value="call"', page)
        log_contact(client, made["pair"], "2026-12-02", "video")
        log_contact(client, made["pair"], "2026-12-05", "call")
        log_contact(client, made["pair"], "2026-12-08", "video")
        page = client.get(url).get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="video"', page)
    assert not re.search(r'<input checked[^>]*value="call"', page)


def test_usual_kind_tie_goes_to_the_latest(app, make_pair, login, client):
    made = make_pair()
    user_id = volunteer_user(app, made)
    login(user_id)
    with clock.frozen(LATER):
        log_contact(client, made["pair"], "2026-12-02", "video")
        log_contact(client, made["pair"], "2026-12-06", "home_visit")
    with app.app_context():
        user = db.session.get(User, user_id)
        assert volunteer_home.usual_contact_kind(db.session, user, made["pair"]) == "home_visit"


def test_overview_counts_active_pairs_and_recent_contacts_in_scope(app, make_pair, login,
                                                                  client, create_user):
    made = make_pair()
    login(volunteer_user(app, made))
    with clock.frozen(LATER):
        log_contact(client, made["pair"], "2026-12-09", "call")
    client.post("/auth/logout")
    login(min(made["coordinators"]))
    with clock.frozen(LATER):
        page = client.get("/").get_data(as_text=True)
    assert re.search(r'data-figure="pairs">1<', page)
    assert re.search(r'data-figure="contacts">1<', page)
    client.post("/auth/logout")
    login(create_user(regions=(COUNTY_B,)))
    with clock.frozen(LATER):
        page = client.get("/").get_data(as_text=True)
    assert re.search(r'data-figure="pairs">0<', page)
    assert re.search(r'data-figure="contacts">0<', page)


def test_a_search_that_finds_nothing_says_so(app, create_user, create_child, login, client):
    coordinator = create_user()
    create_child(coordinator)
    login(coordinator)
    page = client.get("/children/?q=没有这个人").get_data(as_text=True)
    assert "没有符合搜索条件的儿童。" in page and "这里还没有登记儿童" not in page
    page = client.get("/volunteers/?q=没有这个人").get_data(as_text=True)
    assert "没有符合搜索条件的爱心家长。" in page


def test_the_chosen_language_is_kept_across_log_in_and_log_out(app, create_user, login,
                                                               client):
    client.post("/language/en", data={"next": "/"})
    login(create_user())
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    client.post("/auth/logout")
    assert '<html lang="en">' in client.get("/auth/login").get_data(as_text=True)


def test_outbox_rows_of_other_roles_never_reach_a_volunteer_page(app, make_pair, login,
                                                                client):
    made = make_pair()
    with app.app_context():
        guardian_notice = db.session.execute(select(OutboxMessage).where(
            OutboxMessage.audience == "guardian")).scalar_one()
        guardian_notice.recipient_user_id = volunteer_user(app, made)  # even if mis-tagged
        db.session.commit()
    login(volunteer_user(app, made))
    page = client.get("/volunteers/me").get_data(as_text=True)
    assert page.count("结对已获批准 · 小明") == 1
