"""Retention with a frozen clock: anonymise children after the period; delete old
rejected applications; both audited."""

import json
from datetime import date, datetime, timedelta

from sqlalchemy import select

from core import clock
from core.clock import LOCAL_TZ
from extensions import db
from models import (
    AuditEntry,
    Child,
    ContactLog,
    OutboxMessage,
    Pair,
    PairFeedback,
    User,
    Volunteer,
    WelfareContact,
)
from services.followups import contacts
from services.registry import retention
from tests.conftest import APPROVED_AT


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=LOCAL_TZ)


def test_leaving_ends_the_pair_and_starts_retention(app, client, login, make_pair):
    made = make_pair()
    with app.app_context():
        volunteer_user = db.session.get(Volunteer, made["volunteer"]).user_id
        with clock.frozen(APPROVED_AT + timedelta(days=2)):
            contacts.log_contact(db.session, db.session.get(User, volunteer_user),
                                  db.session.get(Pair, made["pair"]), {
                                      "contact_date": date(2026, 12, 2), "kind": "call",
                                      "child_mood": "fine", "notes": "孩子说想妈妈了"})
            db.session.add(PairFeedback(
                pair_id=made["pair"], round="three_months", respondent="guardian",
                satisfaction=5, contact_frequency="weekly", child_trend="better",
                would_continue=True, comment="奶奶说孩子开朗多了"))
            db.session.add(WelfareContact(child_id=made["child"], role="child_director",
                                          name="村儿童主任", phone="+8613712345678"))
            db.session.commit()
    login(min(made["coordinators"]))
    with clock.frozen(at(date(2027, 1, 10))):
        client.post(f"/children/{made['child']}/leave",
                    data={"left_on": "2027-01-10", "reason": "随父母去广州"})
    with app.app_context():
        pair = db.session.get(Pair, made["pair"])
        assert pair.status == "ended" and "left the programme" in pair.end_reason
        assert db.session.get(Child, made["child"]).left_programme_on == date(2027, 1, 10)

    def run(day):
        with app.app_context():
            result = retention.run(db.session, at(day), years=3, rejected_days=180)
            db.session.commit()
            return result

    assert run(date(2029, 12, 31))["children_anonymised"] == 0  # not yet three years
    assert run(date(2030, 1, 15))["children_anonymised"] == 1
    assert run(date(2030, 1, 16))["children_anonymised"] == 0  # once only
    with app.app_context():
        child = db.session.get(Child, made["child"])
        assert child.name == "已匿名" and child.guardian_phone == "" and child.guardian_name == ""
        assert child.id_number_encrypted is None and child.notes == ""
        assert child.consents[0].given_by == ""
        notes = db.session.execute(select(ContactLog.notes)).scalars().all()
        assert notes == [""]
        assert db.session.execute(select(PairFeedback.comment)).scalars().all() == [""]
        assert db.session.execute(select(WelfareContact)).first() is None
        phones = db.session.execute(select(OutboxMessage.to_phone).where(
            OutboxMessage.child_id == child.id)).scalars().all()
        assert phones and set(phones) == {""}
        assert db.session.execute(select(AuditEntry.action).where(
            AuditEntry.action == "child.anonymise")).scalar_one()


def test_children_still_in_the_programme_are_kept(app, make_pair):
    make_pair()
    with app.app_context():
        result = retention.run(db.session, at(date(2040, 1, 1)), years=3, rejected_days=180)
        assert result["children_anonymised"] == 0


def test_rejected_applications_are_deleted_after_the_period(app, create_user,
                                                            create_volunteer, client, login):
    coordinator = create_user()
    volunteer = create_volunteer()
    login(coordinator)
    with clock.frozen(at(date(2026, 1, 1))):
        client.post(f"/volunteers/{volunteer}/reject", data={"reason": "材料不全"})
    with app.app_context():
        user_id = db.session.get(Volunteer, volunteer).user_id
        assert retention.run(db.session, at(date(2026, 6, 1)), 3, 180)[
            "applications_deleted"] == 0
        assert retention.run(db.session, at(date(2026, 7, 1)), 3, 180)[
            "applications_deleted"] == 1
        db.session.commit()
        assert db.session.get(Volunteer, volunteer) is None
        assert db.session.get(User, user_id) is None


def test_retention_cli_with_now(runner):
    result = runner.invoke(args=["retention", "run", "--now", "2030-01-01T09:00:00+08:00"])
    assert result.exit_code == 0 and json.loads(result.output) == {
        "children_anonymised": 0, "applications_deleted": 0}


def test_retention_is_scheduled_daily(app):
    assert app.config["CELERY"]["beat_schedule"]["retention-daily"]["task"] == "retention.run"
