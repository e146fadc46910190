"""Background checks expire: the 30-day warning, recheck_needed, flagged pairs, a new check."""

from datetime import date, datetime

from sqlalchemy import func, select, update

from core import clock
from core.clock import LOCAL_TZ
from extensions import db
from models import AuditEntry, BackgroundCheck, OutboxMessage, Proposal, User, Volunteer
from services.registry import background_checks, volunteers
from services.settings import get_settings
from tests.conftest import COUNTY_A, COUNTY_B

#: The day the volunteers' checks run out in these tests (a local date).
EXPIRES = date(2027, 3, 10)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)


def expire_on(app, volunteer_id: int, day: date) -> None:
    with app.app_context():
        db.session.execute(update(BackgroundCheck).where(
            BackgroundCheck.volunteer_id == volunteer_id).values(expires_on=day))
        db.session.commit()


def run_beat_task(app, moment: datetime) -> None:
    """What Celery beat runs, with the clock frozen at ``moment``."""
    with app.app_context(), clock.frozen(moment):
        app.extensions["celery"].tasks["checks.sweep"].apply()


def status_of(app, volunteer_id: int) -> str:
    with app.app_context():
        return db.session.get(Volunteer, volunteer_id).status


def warnings(app) -> list[OutboxMessage]:
    with app.app_context():
        return db.session.execute(select(OutboxMessage).where(
            OutboxMessage.template == "check_expiring")).scalars().all()


def test_a_check_expires_after_the_programme_setting(app, create_user, create_volunteer):
    coordinator = create_user()
    volunteer_id = create_volunteer()
    with app.app_context(), clock.frozen(at(date(2026, 1, 31))):
        actor = db.session.get(User, coordinator)
        volunteer = db.session.get(Volunteer, volunteer_id)
        first = volunteers.record_check(db.session, actor, volunteer, certificate_no="N1",
                                        issuing_office="横县公安局", issued_on=date(2026, 1, 20))
        assert first.expires_on == date(2027, 1, 31)
        get_settings(db.session).check_validity_months = 1
        second = volunteers.record_check(db.session, actor, volunteer, certificate_no="N2",
                                         issuing_office="横县公安局", issued_on=date(2026, 1, 20))
        assert second.expires_on == date(2026, 2, 28)  # the month's last day


def test_admins_set_how_long_a_check_counts(client, app, create_user, login):
    login(create_user(role="admin"))
    response = client.post("/followups/settings", data={
        "contact_interval_days": "14", "visit_interval_days": "30",
        "second_reminder_days": "3", "local_contact_days": "7", "escalation_days": "14",
        "quiet_start": "21",
        "quiet_end": "8", "check_validity_months": "24"})
    assert response.status_code == 302
    bad = client.post("/followups/settings", data={
        "contact_interval_days": "14", "visit_interval_days": "30",
        "second_reminder_days": "3", "local_contact_days": "7", "escalation_days": "14",
        "quiet_start": "21",
        "quiet_end": "8", "check_validity_months": "99"})
    assert bad.status_code == 200
    with app.app_context():
        assert get_settings(db.session).check_validity_months == 24


def test_warning_sms_is_queued_once_30_days_before(client, app, create_user, create_volunteer,
                                                   login):
    coordinator = create_user(regions=(COUNTY_A,))
    other = create_user(regions=(COUNTY_B,))
    volunteer_id = create_volunteer(status="vetted", actor_id=coordinator, name="韦丽华")
    expire_on(app, volunteer_id, EXPIRES)
    run_beat_task(app, at(date(2027, 2, 7)))  # 31 days before: nothing yet
    assert warnings(app) == []
    login(coordinator)
    assert "韦丽华" not in client.get("/").get_data(as_text=True)

    run_beat_task(app, at(date(2027, 2, 8)))  # 30 days before
    run_beat_task(app, at(date(2027, 2, 8), 11))
    run_beat_task(app, at(date(2027, 2, 20)))
    sent = warnings(app)
    assert len(sent) == 1
    with app.app_context():
        message = db.session.get(OutboxMessage, sent[0].id)
        volunteer = db.session.get(Volunteer, volunteer_id)
        assert message.to_phone == volunteer.phone and message.audience == "volunteer"
        assert message.params == {"expires_on": "3月10日"}
        assert "韦丽华" not in str(message.params)
    assert status_of(app, volunteer_id) == "vetted"

    with clock.frozen(at(date(2027, 2, 8))):
        page = client.get("/").get_data(as_text=True)
    assert "韦丽华" in page and "2027-03-10" in page
    other_client = login(other, app.test_client())
    with clock.frozen(at(date(2027, 2, 8))):
        assert "韦丽华" not in other_client.get("/").get_data(as_text=True)


def test_warning_waits_for_the_end_of_quiet_hours(app, create_user, create_volunteer):
    coordinator = create_user()
    volunteer_id = create_volunteer(status="vetted", actor_id=coordinator)
    expire_on(app, volunteer_id, EXPIRES)
    run_beat_task(app, at(date(2027, 2, 8), 23))
    assert warnings(app)[0].not_before == at(date(2027, 2, 9), 8)


def test_expiry_makes_the_volunteer_recheck_needed(app, create_user, create_volunteer,
                                                   create_child, client, login):
    assert app.config["CELERY"]["beat_schedule"]["checks-expiry"]["task"] == "checks.sweep"
    coordinator = create_user()
    volunteer_id = create_volunteer(status="vetted", actor_id=coordinator, skills=["academic"])
    create_child(coordinator, needs=["academic"])
    expire_on(app, volunteer_id, EXPIRES)
    login(coordinator)
    with clock.frozen(at(date(2027, 3, 9))):
        client.post("/matching/runs", data={"region_code": COUNTY_A})
    run_beat_task(app, at(date(2027, 3, 9), 23))  # the last valid day
    assert status_of(app, volunteer_id) == "vetted"
    run_beat_task(app, at(date(2027, 3, 10), 0))
    run_beat_task(app, at(date(2027, 3, 10), 1))
    assert status_of(app, volunteer_id) == "recheck_needed"
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "volunteer.check_expired")).scalar_one() == 1
        proposal = db.session.execute(select(Proposal)).scalar_one()
        assert proposal.status == "withdrawn"  # cannot be approved any more
        reason = db.session.get(Volunteer, volunteer_id).status_reason
        assert reason == background_checks.EXPIRED_REASON


def test_no_proposals_for_a_volunteer_who_needs_a_recheck(app, create_user, create_volunteer,
                                                          create_child, client, login):
    coordinator = create_user()
    volunteer_id = create_volunteer(status="vetted", actor_id=coordinator, skills=["academic"])
    create_child(coordinator, needs=["academic"])
    expire_on(app, volunteer_id, EXPIRES)
    run_beat_task(app, at(EXPIRES))
    login(coordinator)
    with clock.frozen(at(EXPIRES, 11)):
        client.post("/matching/runs", data={"region_code": COUNTY_A})
    with app.app_context():
        assert db.session.execute(select(Proposal)).first() is None
    with clock.frozen(at(EXPIRES, 12)):
        client.post(f"/volunteers/{volunteer_id}/checks", data={
            "certificate_no": "N2", "issuing_office": "横县公安局", "issued_on": "2027-03-01"})
        client.post("/matching/runs", data={"region_code": COUNTY_A})
    with app.app_context():
        assert db.session.execute(select(Proposal.volunteer_id)).scalar_one() == volunteer_id


def test_flagged_pairs_are_listed_until_a_new_check(client, app, make_pair, login):
    made = make_pair()
    expire_on(app, made["volunteer"], EXPIRES)
    run_beat_task(app, at(EXPIRES))
    coordinator = min(made["coordinators"])
    login(coordinator)
    with clock.frozen(at(EXPIRES, 11)):
        page = client.get("/").get_data(as_text=True)
    assert 'id="flagged-pairs"' in page and "黄小明" in page

    with clock.frozen(at(EXPIRES, 12)):
        response = client.post(f"/volunteers/{made['volunteer']}/checks", data={
            "certificate_no": "桂公(横)无犯2027-01", "issuing_office": "横县公安局",
            "issued_on": "2027-03-01"})
        assert response.status_code == 302
        page = client.get("/").get_data(as_text=True)
    assert status_of(app, made["volunteer"]) == "vetted"
    assert 'id="flagged-pairs"' not in page
    with app.app_context():
        latest = background_checks.latest_expiry(db.session.get(Volunteer, made["volunteer"]))
        assert latest == date(2028, 3, 10)
    run_beat_task(app, at(EXPIRES, 13))
    assert status_of(app, made["volunteer"]) == "vetted"


def test_vetting_or_reinstating_needs_a_current_check(client, app, create_user, create_volunteer,
                                                      login):
    coordinator = create_user()
    login(coordinator)
    volunteer_id = create_volunteer(status="vetted", actor_id=coordinator)
    client.post(f"/volunteers/{volunteer_id}/suspend", data={"reason": "投诉核实中"})
    expire_on(app, volunteer_id, EXPIRES)
    with clock.frozen(at(EXPIRES)):
        client.post(f"/volunteers/{volunteer_id}/reinstate")
    assert status_of(app, volunteer_id) == "suspended"
    with clock.frozen(at(date(2027, 3, 9))):
        client.post(f"/volunteers/{volunteer_id}/reinstate")
    assert status_of(app, volunteer_id) == "vetted"


def test_a_recheck_needed_volunteer_can_be_suspended(client, app, create_user, create_volunteer,
                                                     login):
    coordinator = create_user()
    login(coordinator)
    volunteer_id = create_volunteer(status="vetted", actor_id=coordinator)
    expire_on(app, volunteer_id, EXPIRES)
    run_beat_task(app, at(EXPIRES))
    client.post(f"/volunteers/{volunteer_id}/suspend", data={"reason": "不再提交证明"})
    assert status_of(app, volunteer_id) == "suspended"
