"""The watch list (监测预防), with a frozen clock: each rule on its own, its edges, the
county scope, and the button to open a case."""

import re
from datetime import date, timedelta

from core import clock
from extensions import db
from models import Child, Pair, User, Volunteer
from services.followups import contacts, watch
from services.registry import children
from services.settings import get_settings
from tests.conftest import APPROVED_AT, COUNTY_B
from tests.web.test_followups import local

DUE = date(2026, 12, 15)  # make_pair's first contact due date


def listed(app, user_id, today):
    with app.app_context(), clock.frozen(local(today, 10)):
        items = watch.watch_list(db.session, db.session.get(User, user_id), today,
                                 get_settings(db.session))
        return {item.child.id: (item.reasons, item.open_case_id) for item in items}


def log(app, made, day, mood, dropout=False):
    with app.app_context(), clock.frozen(local(day, 18)):
        volunteer = db.session.get(User, db.session.get(Volunteer, made["volunteer"]).user_id)
        contacts.log_contact(db.session, volunteer, db.session.get(Pair, made["pair"]), {
            "contact_date": day.isoformat(), "kind": "call", "child_mood": mood,
            "school_dropout": dropout})
        db.session.commit()


def test_two_low_or_worried_contacts_in_a_row(app, make_pair):
    made = make_pair()
    staff = min(made["coordinators"])
    log(app, made, date(2026, 12, 2), "low")
    assert listed(app, staff, date(2026, 12, 3)) == {}  # one is not a pattern
    log(app, made, date(2026, 12, 4), "worried")
    assert listed(app, staff, date(2026, 12, 5)) == {made["child"]: (["low_mood"], None)}
    log(app, made, date(2026, 12, 6), "happy")
    assert listed(app, staff, date(2026, 12, 7)) == {}  # the latest is fine again


def test_a_pair_past_the_coordinators_step(app, make_pair):
    made = make_pair()
    staff = min(made["coordinators"])
    with app.app_context():
        escalation_days = get_settings(db.session).escalation_days
    assert listed(app, staff, DUE + timedelta(days=escalation_days - 1)) == {}
    assert listed(app, staff, DUE + timedelta(days=escalation_days)) == {
        made["child"]: (["escalated"], None)}


def test_a_noted_school_dropout_for_ninety_days(app, make_pair):
    made = make_pair()
    staff = min(made["coordinators"])
    log(app, made, date(2026, 12, 3), "fine", dropout=True)
    log(app, made, date(2026, 12, 5), "fine")
    assert listed(app, staff, date(2026, 12, 6))[made["child"]][0] == ["dropout"]
    later = listed(app, staff, date(2026, 12, 3) + timedelta(days=91))
    assert "dropout" not in later.get(made["child"], ([], None))[0]


def test_consent_withdrawn_while_a_case_is_open(app, make_pair):
    made = make_pair()
    staff = min(made["coordinators"])
    with app.app_context(), clock.frozen(APPROVED_AT + timedelta(days=1)):
        actor = db.session.get(User, staff)
        children.withdraw_consent(db.session, actor, db.session.get(Child, made["child"]))
        db.session.commit()
    assert listed(app, staff, date(2026, 12, 3)) == {}  # no open case: not this rule
    with app.app_context(), clock.frozen(APPROVED_AT + timedelta(days=2)):
        case = contacts.raise_concern(db.session, db.session.get(User, staff), made["child"],
                                      "safety", "监护人不再同意，孩子情况不明")
        db.session.commit()
        case_id = case.id
    assert listed(app, staff, date(2026, 12, 4)) == {
        made["child"]: (["consent_withdrawn"], case_id)}


def test_the_page_shows_reasons_offers_a_case_and_keeps_to_the_county(app, make_pair, login):
    made, other = make_pair(), make_pair(county=COUNTY_B)
    for pair in (made, other):
        log(app, pair, date(2026, 12, 3), "fine", dropout=True)
    staff = login(min(made["coordinators"]), app.test_client())
    with clock.frozen(local(date(2026, 12, 4), 10)):
        body = staff.get("/followups/watch").get_data(as_text=True)
    assert f'data-watch-child="{made["child"]}"' in body
    assert f'data-watch-child="{other["child"]}"' not in body
    assert "爱心家长记录孩子已不去上学" in body
    assert f'/followups/children/{made["child"]}/report?kind=dropout' in body
    form = staff.get(f'/followups/children/{made["child"]}/report?kind=dropout')
    assert re.search(r'<option selected value="dropout">', form.get_data(as_text=True))
