"""The notices the volunteer's pages promise: each vetting decision, a check that ran out
and a pair approved reach the outbox once, with the right template and audience."""

from datetime import date, datetime

from sqlalchemy import select, update

from core import clock
from core.clock import LOCAL_TZ
from extensions import db
from models import BackgroundCheck, OutboxMessage, Volunteer
from services.sms.templates import TEMPLATES
from tests.conftest import COUNTY_A

NOON = datetime(2026, 12, 2, 12, 0, tzinfo=LOCAL_TZ)


def messages(app, template: str) -> list[OutboxMessage]:
    with app.app_context():
        return db.session.execute(select(OutboxMessage).where(
            OutboxMessage.template == template)).scalars().all()


def post(client, volunteer_id: int, verb: str, **data):
    response = client.post(f"/volunteers/{volunteer_id}/{verb}", data=data)
    assert response.status_code == 302


def _vettable(app, client, create_user, create_volunteer, login):
    coordinator = create_user(regions=(COUNTY_A,))
    volunteer_id = create_volunteer()
    login(coordinator)
    client.post(f"/volunteers/{volunteer_id}/checks", data={
        "certificate_no": "N1", "issuing_office": "横县公安局", "issued_on": "2026-11-01",
        "submission": "s1"})
    return volunteer_id


def test_approval_is_told_once_after_quiet_hours(app, client, create_user, create_volunteer,
                                                 login):
    volunteer_id = _vettable(app, client, create_user, create_volunteer, login)
    late = datetime(2026, 12, 2, 22, 30, tzinfo=LOCAL_TZ)
    with clock.frozen(late):
        post(client, volunteer_id, "vet")
        post(client, volunteer_id, "vet")  # a double click: refused, nothing twice
    sent = messages(app, "volunteer_vetted")
    assert len(sent) == 1
    with app.app_context():
        volunteer = db.session.get(Volunteer, volunteer_id)
        assert sent[0].to_phone == volunteer.phone and sent[0].audience == "volunteer"
        assert sent[0].recipient_user_id == volunteer.user_id
        assert sent[0].not_before.astimezone(LOCAL_TZ).hour == 8  # not at night


def test_not_approved_is_kind_and_keeps_the_reason_off_the_sms(app, client, create_user,
                                                               create_volunteer, login):
    volunteer_id = _vettable(app, client, create_user, create_volunteer, login)
    with clock.frozen(NOON):
        post(client, volunteer_id, "reject", reason="证明上的姓名与身份证不一致")
    sent = messages(app, "volunteer_not_approved")
    assert len(sent) == 1 and sent[0].params == {}
    text = TEMPLATES["volunteer_not_approved"].text
    assert "谢谢您" in text and "感谢您对孩子的关心" in text


def test_suspension_and_reinstatement_are_each_told(app, client, create_user,
                                                    create_volunteer, login):
    volunteer_id = _vettable(app, client, create_user, create_volunteer, login)
    with clock.frozen(NOON):
        post(client, volunteer_id, "vet")
    with clock.frozen(datetime(2026, 12, 3, 12, 0, tzinfo=LOCAL_TZ)):
        post(client, volunteer_id, "suspend", reason="多次未联系孩子")
    with clock.frozen(datetime(2026, 12, 4, 12, 0, tzinfo=LOCAL_TZ)):
        post(client, volunteer_id, "reinstate")
    assert len(messages(app, "volunteer_suspended")) == 1
    assert len(messages(app, "volunteer_vetted")) == 2  # vetted, then reinstated


def test_an_expired_check_is_told_once(app, create_user, create_volunteer):
    coordinator = create_user(regions=(COUNTY_A,))
    volunteer_id = create_volunteer(status="vetted", actor_id=coordinator)
    with app.app_context():
        db.session.execute(update(BackgroundCheck).where(
            BackgroundCheck.volunteer_id == volunteer_id).values(expires_on=date(2027, 3, 10)))
        db.session.commit()
    for hour in (0, 1, 9):
        with app.app_context(), clock.frozen(datetime(2027, 3, 10, hour, tzinfo=LOCAL_TZ)):
            app.extensions["celery"].tasks["checks.sweep"].apply()
    sent = messages(app, "check_expired")
    assert len(sent) == 1 and sent[0].subject == "check"
    assert sent[0].key == f"volunteer:{volunteer_id}:check_expired:2027-03-10"


def test_a_pair_approval_is_told_to_the_volunteer_once(app, make_pair):
    made = make_pair()
    sent = messages(app, "pair_approved_volunteer")
    assert len(sent) == 1 and sent[0].pair_id == made["pair"]
    assert set(sent[0].params) == {"child_given_name", "county"}


def test_the_volunteers_page_names_each_notice_in_words(app, client, create_user,
                                                        create_volunteer, login):
    volunteer_id = _vettable(app, client, create_user, create_volunteer, login)
    with clock.frozen(NOON):
        post(client, volunteer_id, "vet")
    with app.app_context():
        user_id = db.session.get(Volunteer, volunteer_id).user_id
    own = login(user_id, app.test_client())
    page = own.get("/volunteers/me").get_data(as_text=True)
    assert "报名已通过" in page and "volunteer_vetted" not in page


def test_each_new_notice_is_routine_never_mandatory():
    """Vetting, expiry and withdrawal notices wait behind concern alerts and count towards
    a number's daily cap (services.sms.limits)."""
    for template in ("volunteer_vetted", "volunteer_not_approved", "volunteer_suspended",
                     "check_expired", "volunteer_withdrew"):
        assert TEMPLATES[template].priority == "routine", template
