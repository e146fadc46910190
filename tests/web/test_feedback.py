"""Structured pair feedback: requests at 3 months and at the end (frozen clock), the SMS
link's single-use token, the volunteer's and the guardian's answers, scope, summary."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core import clock
from core.clock import LOCAL_TZ
from core.errors import DomainError
from extensions import db
from models import FeedbackRequest, OutboxMessage, Pair, PairFeedback, User, Volunteer
from services.followups import feedback, reminders
from services.pairs import lifecycle
from services.settings import get_settings
from tests.conftest import COUNTY_B

GOOD = {"satisfaction": "4", "contact_frequency": "fortnightly", "child_trend": "better",
        "would_continue": "yes", "comment": "孩子很开心"}


def local(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)


def sweep_at(app, moment):
    with app.app_context(), clock.frozen(moment):
        result = reminders.sweep(db.session, moment, get_settings(db.session))
        db.session.commit()
        return result


def feedback_sms(app):
    with app.app_context():
        return db.session.execute(select(OutboxMessage).where(
            OutboxMessage.template == "feedback_request").order_by(OutboxMessage.id)
        ).scalars().all()


def token_of(message) -> str:
    return message.params["link"].rsplit("/f/", 1)[1]


def end_pair_at(app, made, moment):
    with app.app_context(), clock.frozen(moment):
        pair = db.session.get(Pair, made["pair"])
        lifecycle.end_pair(db.session, db.session.get(User, min(made["coordinators"])), pair,
                       "志愿者搬家")
        db.session.commit()


def asked_at_three_months(app, make_pair):
    made = make_pair()
    sweep_at(app, local(date(2027, 3, 1)))
    [message] = feedback_sms(app)
    return made, token_of(message)


def count(app, model):
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


# --- requests --------------------------------------------------------------------------


def test_three_month_request_is_queued_once_and_not_before(app, make_pair):
    made = make_pair()  # approved 2026-12-01 10:00
    sweep_at(app, local(date(2027, 2, 28), 23))
    assert feedback_sms(app) == []
    for _ in range(2):  # a double beat
        sweep_at(app, local(date(2027, 3, 1), 9))
    sweep_at(app, local(date(2027, 4, 15)))
    [message] = feedback_sms(app)
    assert message.key == f"pair:{made['pair']}:feedback:three_months"
    assert message.audience == "volunteer" and message.pair_id == made["pair"]
    assert message.params["child_given_name"] == "小明"
    assert message.params["link"].startswith(app.config["SITE_URL"] + "/f/")
    token = token_of(message)
    assert len(token) >= 22
    with app.app_context():
        [request] = db.session.execute(select(FeedbackRequest)).scalars().all()
        assert request.round == "three_months" and request.token_hash != token
        assert token not in (request.token_hash, str(request.id))
        assert request.expires_at == local(date(2027, 3, 1), 9) + timedelta(days=30)


def test_three_month_request_waits_for_the_end_of_quiet_hours(app, make_pair):
    make_pair()
    sweep_at(app, local(date(2027, 3, 1), 22))
    [message] = feedback_sms(app)
    assert message.not_before == local(date(2027, 3, 2), 8)


def test_ended_pair_gets_an_end_request_and_no_three_month_request(app, make_pair):
    made = make_pair()
    end_pair_at(app, made, local(date(2027, 1, 10)))
    [message] = feedback_sms(app)
    assert message.key == f"pair:{made['pair']}:feedback:end"
    sweep_at(app, local(date(2027, 3, 5)))
    assert [m.key for m in feedback_sms(app)] == [message.key]
    with app.app_context():
        assert db.session.execute(select(FeedbackRequest.round)).scalars().all() == ["end"]


def test_pair_ending_after_three_months_gets_both_requests(app, make_pair):
    made, _ = asked_at_three_months(app, make_pair)
    end_pair_at(app, made, local(date(2027, 5, 1)))
    assert sorted(m.key.rsplit(":", 1)[1] for m in feedback_sms(app)) == ["end",
                                                                         "three_months"]


def test_months_before_clamps_to_the_end_of_the_month():
    assert feedback.months_before(date(2027, 5, 31), 3) == date(2027, 2, 28)
    assert feedback.months_before(date(2027, 2, 10), 3) == date(2026, 11, 10)


# --- the SMS link ----------------------------------------------------------------------


def test_link_opens_a_form_without_logging_in_and_works_once(app, make_pair, client):
    made, token = asked_at_three_months(app, make_pair)
    with clock.frozen(local(date(2027, 3, 2))):
        page = client.get(f"/f/{token}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "小明" in text and "黄小明" not in text
        assert client.post(f"/f/{token}", data=GOOD).status_code == 200
        again = client.post(f"/f/{token}", data={**GOOD, "satisfaction": "1"})
        assert again.status_code == 410
        assert client.get(f"/f/{token}").status_code == 410
    with app.app_context():
        [answer] = db.session.execute(select(PairFeedback)).scalars().all()
        assert (answer.pair_id, answer.round, answer.respondent) == (
            made["pair"], "three_months", "volunteer")
        assert (answer.satisfaction, answer.contact_frequency, answer.child_trend,
                answer.would_continue, answer.comment) == (4, "fortnightly", "better", True,
                                                           "孩子很开心")
        assert answer.recorded_by_id is None


def test_link_expires_after_30_days_and_unknown_tokens_are_404(app, make_pair, client):
    _, token = asked_at_three_months(app, make_pair)
    with clock.frozen(local(date(2027, 4, 1))):
        closed = client.get(f"/f/{token}")
        assert closed.status_code == 410
        assert "链接已过期" in closed.get_data(as_text=True)
        assert client.post(f"/f/{token}", data=GOOD).status_code == 410
    assert client.get("/f/not-a-real-token").status_code == 404
    assert client.get("/f/" + "x" * 200).status_code == 404
    assert count(app, PairFeedback) == 0


def test_validation_errors_are_clear_translated_and_save_nothing(app, make_pair, client):
    _, token = asked_at_three_months(app, make_pair)
    with clock.frozen(local(date(2027, 3, 2))):
        page = client.post(f"/f/{token}", data={"satisfaction": "9", "comment": "长" * 501})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "此项为必填项。" in text  # contact frequency, child trend, would continue
    assert "最多 500 个字符。" in text
    assert "未知值 9" in text
    assert count(app, PairFeedback) == 0
    with app.app_context():
        assert db.session.execute(select(FeedbackRequest.used_at)).scalar_one() is None


def test_the_database_allows_one_answer_per_pair_round_and_respondent(app, make_pair):
    made = make_pair()
    with app.app_context():
        values = dict(pair_id=made["pair"], round="end", respondent="volunteer",
                      satisfaction=3, contact_frequency="monthly", child_trend="same",
                      would_continue=False, comment="")
        db.session.add(PairFeedback(**values))
        db.session.commit()
        db.session.add(PairFeedback(**values))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.add(PairFeedback(**{**values, "satisfaction": 7}))
        with pytest.raises(IntegrityError):  # the rating's range is the database's rule too
            db.session.commit()
        db.session.rollback()


# --- the volunteer, logged in ----------------------------------------------------------


def test_volunteer_answers_from_my_profile(app, make_pair, login, client):
    made, token = asked_at_three_months(app, make_pair)
    with app.app_context():
        request_id = db.session.execute(select(FeedbackRequest.id)).scalar_one()
        login(db.session.get(Volunteer, made["volunteer"]).user_id)
    me = client.get("/volunteers/me").get_data(as_text=True)
    assert f"/feedback/requests/{request_id}" in me
    assert client.post(f"/feedback/requests/{request_id}", data=GOOD).status_code == 302
    assert f"/feedback/requests/{request_id}" not in client.get("/volunteers/me").get_data(
        as_text=True)
    # The link was for the same request: it no longer works.
    with clock.frozen(local(date(2027, 3, 2))):
        assert client.get(f"/f/{token}").status_code == 410
    assert count(app, PairFeedback) == 1
    with app.app_context(), pytest.raises(DomainError):
        volunteer_user = db.session.get(User, db.session.get(
            Volunteer, made["volunteer"]).user_id)
        feedback.submit_by_volunteer(db.session, volunteer_user, request_id, GOOD)


def test_a_volunteer_cannot_answer_someone_elses_request(app, make_pair, login, client,
                                                         create_volunteer):
    asked_at_three_months(app, make_pair)
    with app.app_context():
        request_id = db.session.execute(select(FeedbackRequest.id)).scalar_one()
        other = db.session.get(Volunteer, create_volunteer()).user_id
    login(other)
    assert client.get(f"/feedback/requests/{request_id}").status_code == 404
    assert client.post(f"/feedback/requests/{request_id}", data=GOOD).status_code == 404
    assert count(app, PairFeedback) == 0


# --- the coordinator -------------------------------------------------------------------


def test_coordinator_records_the_guardians_feedback_in_scope(app, make_pair, login,
                                                              create_user, client):
    made = make_pair()
    coordinator = min(made["coordinators"])
    login(coordinator)
    url = f"/feedback/pairs/{made['pair']}"
    assert client.post(url, data={**GOOD, "round": "three_months"}).status_code == 302
    again = client.post(url, data={**GOOD, "round": "three_months"}, follow_redirects=True)
    assert "已经提交过" in again.get_data(as_text=True)
    ended_round = client.post(url, data={**GOOD, "round": "end"})
    assert "尚未结束" in ended_round.get_data(as_text=True)
    with app.app_context():
        [answer] = db.session.execute(select(PairFeedback)).scalars().all()
        assert (answer.respondent, answer.recorded_by_id) == ("guardian", coordinator)
    page = client.get(url).get_data(as_text=True)
    assert "监护人" in page and "孩子很开心" in page
    child_page = client.get(f"/children/{made['child']}").get_data(as_text=True)
    assert "孩子很开心" in child_page

    elsewhere = app.test_client()
    login(create_user(regions=(COUNTY_B,)), elsewhere)
    assert elsewhere.get(url).status_code == 404
    assert elsewhere.post(url, data={**GOOD, "round": "three_months"}).status_code == 404
    volunteer = app.test_client()
    with app.app_context():
        login(db.session.get(Volunteer, made["volunteer"]).user_id, volunteer)
    assert volunteer.post(url, data={**GOOD, "round": "three_months"}).status_code == 403
    assert count(app, PairFeedback) == 1


def _answer(app, pair_id, respondent, satisfaction, **extra):
    with app.app_context():
        db.session.add(PairFeedback(
            pair_id=pair_id, round="three_months", respondent=respondent,
            satisfaction=satisfaction, contact_frequency="weekly",
            child_trend=extra.get("child_trend", "same"),
            would_continue=extra.get("would_continue", True), comment=""))
        db.session.commit()


def test_summary_counts_ratings_average_and_counties_in_scope(app, make_pair, login,
                                                               create_user, client):
    a = make_pair()
    b = make_pair(county=COUNTY_B)
    _answer(app, a["pair"], "volunteer", 5, child_trend="better")
    _answer(app, a["pair"], "guardian", 2, would_continue=False)
    _answer(app, b["pair"], "volunteer", 1, child_trend="worse")
    with app.app_context():
        coordinator_a = db.session.get(User, min(a["coordinators"]))
        admin = db.session.get(User, create_user(role="admin"))
        mine = feedback.summary(db.session, coordinator_a)
        everything = feedback.summary(db.session, admin)
        guardians = feedback.summary(db.session, admin, respondent="guardian")
    assert mine["ratings"] == {5: 1, 4: 0, 3: 0, 2: 1, 1: 0}
    assert mine["total"] == {"count": 2, "average": 3.5, "would_continue": 1, "better": 1,
                             "worse": 0}
    assert [row["region_code"] for row in mine["by_county"]] == ["450127"]
    assert everything["total"]["count"] == 3
    assert {row["region_code"]: row["average"] for row in everything["by_county"]} == {
        "450127": 3.5, "450329": 1.0}
    assert guardians["total"]["count"] == 1
    login(coordinator_a.id)
    page = client.get("/feedback/").get_data(as_text=True)
    assert 'data-average>3.50<' in page and 'data-county="450127"' in page
    assert 'data-county="450329"' not in page


def test_api_gives_a_pairs_feedback_and_the_summary_in_scope(app, make_pair, create_user,
                                                             auth, client):
    a = make_pair()
    b = make_pair(county=COUNTY_B)
    _answer(app, a["pair"], "guardian", 4)
    _answer(app, b["pair"], "volunteer", 2)
    headers = auth(min(a["coordinators"]))
    answers = client.get(f"/api/v1/feedback/pairs/{a['pair']}", headers=headers)
    assert answers.status_code == 200
    [item] = answers.get_json()["items"]
    assert (item["respondent"], item["satisfaction"]) == ("guardian", 4)
    assert client.get(f"/api/v1/feedback/pairs/{b['pair']}", headers=headers).status_code == 404
    summary = client.get("/api/v1/feedback/summary", headers=headers).get_json()
    assert summary["total"]["count"] == 1 and summary["ratings"]["4"] == 1
    assert client.get("/api/v1/feedback/summary?round=later",
                      headers=headers).status_code == 422
    with app.app_context():
        volunteer_user = db.session.get(Volunteer, a["volunteer"]).user_id
    assert client.get("/api/v1/feedback/summary",
                      headers=auth(volunteer_user)).status_code == 403
