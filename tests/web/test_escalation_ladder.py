"""The escalation ladder of overdue follow-ups, with a frozen clock and daily sweeps."""

from collections import Counter
from datetime import date, timedelta

import pytest

from core import clock
from extensions import db
from models import Child, OutboxMessage, Pair, ProgrammeSettings, User
from services.followups import contacts, escalation, welfare_contacts
from services.settings import get_settings
from tests.conftest import APPROVED_AT, COUNTY_A
from tests.web.test_followups import local, outbox, sweep_at

DUE = date(2026, 12, 15)  # make_pair's first contact due date
DIRECTOR = {"role": "child_director", "name": "蒙主任", "phone": "13600001111"}
SUPERVISOR = {"role": "supervisor", "name": "覃督导", "phone": "13600002222"}


def set_child_contact(app, user_id, child_id, raw=DIRECTOR):
    with app.app_context():
        welfare_contacts.set_for_child(db.session, db.session.get(User, user_id),
                                       db.session.get(Child, child_id), raw)
        db.session.commit()


def set_township_contact(app, user_id, township, raw=SUPERVISOR, county=COUNTY_A):
    from services.regions import region_tree

    with app.app_context():
        welfare_contacts.set_for_township(
            db.session, db.session.get(User, user_id),
            {**raw, "region_code": county, "township": township}, region_tree(db.session))
        db.session.commit()


def sweep_daily(app, first: int, last: int, twice=True):
    for day in range(first, last + 1):
        for _ in range(2 if twice else 1):
            sweep_at(app, local(DUE + timedelta(days=day), 10))


def contact_steps(app):
    return [(m.key.split(":")[4], m.template, m.audience, m.recipient_user_id, m.to_phone)
            for m in outbox(app, subject="contact")]


def test_each_step_is_queued_once_over_daily_sweeps(app, make_pair):
    made = make_pair(township="六景镇石井村")
    coordinator = min(made["coordinators"])
    set_child_contact(app, coordinator, made["child"])
    sweep_daily(app, 0, 20)
    steps = contact_steps(app)
    assert Counter((s[0], s[3] or s[4]) for s in steps).most_common(1)[0][1] == 1
    by_stage = {}
    for stage, template, audience, user_id, phone in steps:
        by_stage.setdefault(stage, []).append((template, audience, user_id, phone))
    assert list(by_stage) == ["due", "second", "local", "escalation"]
    assert [t for t, *_ in by_stage["due"]] == ["contact_due"]
    assert [t for t, *_ in by_stage["second"]] == ["contact_overdue"]
    assert by_stage["local"] == [("escalation_local_contact", "local_contact", None,
                                  "+8613600001111")]
    assert {(t, a) for t, a, _, _ in by_stage["escalation"]} == {
        ("escalation_coordinator", "coordinator")}
    assert {u for _, _, u, _ in by_stage["escalation"]} == made["coordinators"]
    # The steps come on the right days.
    created = {m.key.split(":")[4]: m.created_at for m in outbox(app, subject="contact")}
    assert created["second"].astimezone(clock.LOCAL_TZ).date() == DUE + timedelta(days=3)
    assert created["local"].astimezone(clock.LOCAL_TZ).date() == DUE + timedelta(days=7)
    assert created["escalation"].astimezone(clock.LOCAL_TZ).date() == DUE + timedelta(days=14)
    [sms] = outbox(app, template="escalation_local_contact")
    assert sms.params == {"child_given_name": "小明", "volunteer_given_name": "丽华",
                          "days": "7"}


def test_a_childs_own_contact_overrides_the_townships(app, make_pair):
    made = make_pair(township="六景镇 石井村")
    coordinator = min(made["coordinators"])
    set_township_contact(app, coordinator, "六景镇")
    sweep_daily(app, 7, 7, twice=False)
    [first] = outbox(app, template="escalation_local_contact")
    assert first.to_phone == "+8613600002222"  # the township supervisor
    set_child_contact(app, coordinator, made["child"])
    with app.app_context():
        db.session.query(OutboxMessage).delete()
        db.session.commit()
    sweep_daily(app, 8, 8, twice=False)
    [second] = outbox(app, template="escalation_local_contact")
    assert second.to_phone == "+8613600001111"  # the child's own director


def test_township_contact_matches_by_township_prefix_in_the_same_county(app, make_pair, tree):
    made = make_pair(township="六景镇石井村")
    coordinator = min(made["coordinators"])
    set_township_contact(app, coordinator, "六景")
    set_township_contact(app, coordinator, "六景镇", raw=DIRECTOR)
    with app.app_context():
        child = db.session.get(Child, made["child"])
        assert welfare_contacts.contact_of(db.session, child).name == "蒙主任"  # longest
        child.township = "峦城镇"
        assert welfare_contacts.contact_of(db.session, child) is None


def test_no_local_contact_skips_the_step_and_the_coordinators_are_told(app, make_pair):
    made = make_pair(township="峦城镇")
    sweep_daily(app, 0, 20)
    stages = [s[0] for s in contact_steps(app)]
    assert "local" not in stages
    escalations = outbox(app, subject="contact", audience="coordinator")
    assert {m.template for m in escalations} == {"escalation_no_local_contact"}
    assert {m.recipient_user_id for m in escalations} == made["coordinators"]


def test_no_local_contact_is_shown_on_the_dashboard(app, make_pair, client, login):
    made = make_pair()
    login(min(made["coordinators"]))
    with clock.frozen(local(DUE + timedelta(days=2), 10)):
        page = client.get("/followups/").get_data(as_text=True)
    assert "no-local-contact" in page
    set_child_contact(app, min(made["coordinators"]), made["child"])
    with clock.frozen(local(DUE + timedelta(days=2), 10)):
        page = client.get("/followups/").get_data(as_text=True)
    assert "no-local-contact" not in page and "蒙主任" in page


def test_a_logged_contact_stops_the_ladder(app, make_pair):
    made = make_pair()
    set_child_contact(app, min(made["coordinators"]), made["child"])
    sweep_daily(app, 0, 8)
    assert [s[0] for s in contact_steps(app)] == ["due", "second", "local"]
    with app.app_context(), clock.frozen(local(DUE + timedelta(days=9), 10)):
        pair = db.session.get(Pair, made["pair"])
        volunteer_user = db.session.get(User, pair.volunteer.user_id)
        contacts.log_contact(db.session, volunteer_user, pair, {
            "contact_date": (DUE + timedelta(days=9)).isoformat(), "kind": "call",
            "child_mood": "fine"})
        db.session.commit()
    sweep_daily(app, 9, 20)
    assert [s[0] for s in contact_steps(app)] == ["due", "second", "local"]


def test_changed_offsets_are_used_by_the_sweep(app, make_pair, client, login, create_user):
    made = make_pair()
    set_child_contact(app, min(made["coordinators"]), made["child"])
    login(create_user(role="admin"))
    response = client.post("/followups/settings", data={
        "contact_interval_days": "14", "visit_interval_days": "30",
        "second_reminder_days": "1", "local_contact_days": "2", "escalation_days": "4",
        "quiet_start": "21", "quiet_end": "8"})
    assert response.status_code == 302
    sweep_daily(app, 0, 4)
    created = {m.key.split(":")[4]: m.created_at.astimezone(clock.LOCAL_TZ).date()
               for m in outbox(app, subject="contact")}
    assert created == {"due": DUE, "second": DUE + timedelta(days=1),
                       "local": DUE + timedelta(days=2), "escalation": DUE + timedelta(days=4)}


@pytest.mark.parametrize("ladder, field, message", [
    (("3", "3", "14"), "local_contact_days", "Each step must come later"),
    (("3", "7", "7"), "escalation_days", "Each step must come later"),
    (("5", "4", "14"), "local_contact_days", "Each step must come later"),
    (("0", "7", "14"), "second_reminder_days", "Must be between 1 and 30"),
    (("3", "7", "91"), "escalation_days", "Must be between 3 and 90"),
    (("3", "", "14"), "local_contact_days", "This field is required"),
])
def test_settings_refuse_a_bad_ladder(app, client, login, create_user, ladder, field, message):
    login(create_user(role="admin"))
    second, local_days, escalation_days = ladder
    response = client.post("/followups/settings?lang=en", data={
        "contact_interval_days": "14", "visit_interval_days": "30",
        "second_reminder_days": second, "local_contact_days": local_days,
        "escalation_days": escalation_days, "quiet_start": "21", "quiet_end": "8"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert f'id="{field}"' in page and "is-invalid" in page
    with app.app_context():
        settings = get_settings(db.session)
        assert (settings.second_reminder_days, settings.local_contact_days,
                settings.escalation_days) == (3, 7, 14)


def test_the_database_refuses_a_ladder_out_of_order(app):
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        settings = get_settings(db.session)
        settings.local_contact_days = settings.escalation_days
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_step_reached_function():
    steps = escalation.ladder(ProgrammeSettings(second_reminder_days=3, local_contact_days=7,
                                                escalation_days=14))
    assert [escalation.step_reached(steps, d, True).stage for d in (0, 2, 3, 6, 7, 13, 14, 40)] \
        == ["due", "due", "second", "second", "local", "local", "escalation", "escalation"]
    assert escalation.step_reached(steps, 8, False).stage == "second"
    assert APPROVED_AT  # make_pair approves on this day; the first contact is due 14 days on


@pytest.mark.parametrize("old, new", [((3, 7), (3, 7, 14)), ((2, 60), (2, 60, 67))])
def test_migration_keeps_existing_settings_working(app, tmp_path, old, new):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app

    before = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI":
                         f"sqlite:///{tmp_path}/old.db", "SECRET_KEY": "x"})
    with before.app_context():
        upgrade(revision="0009")
        db.session.execute(text("UPDATE programme_settings SET second_reminder_days = :s, "
                                "escalation_days = :e"), {"s": old[0], "e": old[1]})
        db.session.commit()
        upgrade()
        assert db.session.execute(text(
            "SELECT second_reminder_days, local_contact_days, escalation_days "
            "FROM programme_settings")).one() == new
