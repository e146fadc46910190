"""A volunteer's own profile: what they offer, a new number proved by code, withdrawing."""

import re

from sqlalchemy import select

from extensions import db
from models import AuditEntry, Child, OutboxMessage, Pair, User, Volunteer
from tests.conftest import PASSWORD
from tests.sms_codes import last_code


def _volunteer_client(app, login, made):
    with app.app_context():
        user_id = db.session.get(Volunteer, made["volunteer"]).user_id
    return login(user_id, app.test_client()), user_id


def _profile(**overrides):
    data = {"skills": ["academic", "safety"], "capacity": "3", "max_distance_km": "45",
            "age_min": "6", "age_max": "12", "child_gender": "F", "availability": "周六下午"}
    data.update(overrides)
    return data


def test_a_volunteer_edits_what_they_offer(app, make_pair, login):
    made = make_pair()
    client, _ = _volunteer_client(app, login, made)
    form = client.get("/volunteers/me/profile").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*id="skills-0"', form)  # academic, as saved
    response = client.post("/volunteers/me/profile", data=_profile())
    assert response.status_code == 302
    with app.app_context():
        volunteer = db.session.get(Volunteer, made["volunteer"])
        assert (volunteer.skills, volunteer.capacity, volunteer.max_distance_km) == (
            "academic;safety", 3, 45.0)
        assert (volunteer.age_min, volunteer.age_max, volunteer.child_gender) == (6, 12, "F")
        assert volunteer.availability == "周六下午"
        assert db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "volunteer.profile")).scalar_one()


def test_capacity_never_below_the_pairs_now_and_every_error_at_once(app, make_pair, login):
    made = make_pair()
    client, _ = _volunteer_client(app, login, made)
    with app.app_context():
        volunteer = db.session.get(Volunteer, made["volunteer"])
        volunteer.capacity = 2
        volunteer.active_pairs = 2
        db.session.commit()
    page = client.post("/volunteers/me/profile", data=_profile(
        capacity="1", skills=[], max_distance_km="0")).get_data(as_text=True)
    assert "至少选 2" in page or "至少选择 2" in page
    summary = page.split("data-error-summary", 1)[1].split("</div>", 1)[0]
    assert summary.count("<li>") == 3
    with app.app_context():
        assert db.session.get(Volunteer, made["volunteer"]).capacity == 2


def test_a_new_number_replaces_the_old_only_after_its_code(app, make_pair, login,
                                                          monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SMS_FILE", str(tmp_path / "sms.jsonl"))
    made = make_pair()
    client, user_id = _volunteer_client(app, login, made)
    with app.app_context():
        old = db.session.get(User, user_id).phone
    taken = client.post("/volunteers/me/phone", data={"phone": "13700001234"})
    assert taken.status_code == 302  # a guardian's number is not an account: fine
    client.get("/volunteers/me/phone/confirm")
    response = client.post("/volunteers/me/phone", data={"phone": "13612345678"})
    assert response.headers["Location"].endswith("/volunteers/me/phone/confirm")
    with app.app_context():
        assert db.session.get(User, user_id).phone == old  # not yet
    wrong = client.post("/volunteers/me/phone/confirm", data={"code": "000000"})
    assert wrong.status_code == 200
    code = last_code(app, "+8613612345678")
    if code == "000000":  # pragma: no cover - one chance in a million
        return
    response = client.post("/volunteers/me/phone/confirm", data={"code": code})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        volunteer = db.session.get(Volunteer, made["volunteer"])
        assert user.phone == volunteer.phone == "+8613612345678"
        assert volunteer.pending_phone is None
    fresh = app.test_client()
    assert fresh.post("/auth/login", data={"phone": "13612345678",
                                           "password": PASSWORD}).status_code == 302


def test_a_number_of_another_account_is_refused(app, make_pair, login, create_user):
    made = make_pair()
    client, _ = _volunteer_client(app, login, made)
    other = create_user(role="volunteer", phone="13811112222")
    assert other
    page = client.post("/volunteers/me/phone", data={"phone": "13811112222"})
    assert page.status_code == 200 and "已注册" in page.get_data(as_text=True)


def test_withdrawing_ends_pairs_starts_re_pairing_and_tells_the_coordinator(app, make_pair,
                                                                           login):
    made = make_pair()
    client, user_id = _volunteer_client(app, login, made)
    assert "退出项目" in client.get("/volunteers/me").get_data(as_text=True)
    unconfirmed = client.post("/volunteers/me/withdraw", data={"reason": "搬家"})
    assert unconfirmed.status_code == 200
    with app.app_context():
        assert db.session.get(Volunteer, made["volunteer"]).status == "vetted"
    response = client.post("/volunteers/me/withdraw", data={"reason": "搬家", "confirm": "y"})
    assert response.status_code == 302
    with app.app_context():
        volunteer = db.session.get(Volunteer, made["volunteer"])
        assert volunteer.status == "withdrawn" and volunteer.active_pairs == 0
        pair = db.session.get(Pair, made["pair"])
        assert (pair.status, pair.end_cause) == ("ended", "volunteer_withdrew")
        assert db.session.get(Child, made["child"]).repair_needed_since is not None
        told = db.session.execute(select(OutboxMessage).where(
            OutboxMessage.template == "volunteer_withdrew")).scalars().all()
        assert {m.recipient_user_id for m in told} == made["coordinators"]
        assert all(m.params == {"volunteer_given_name": "丽华", "pairs": "1"} for m in told)
    again = client.post("/volunteers/me/withdraw", data={"confirm": "y"})
    assert again.status_code == 200
    with app.app_context():
        assert len(db.session.execute(select(OutboxMessage).where(
            OutboxMessage.template == "volunteer_withdrew")).all()) == len(made["coordinators"])
    page = client.get("/volunteers/me").get_data(as_text=True)
    assert "您已退出项目" in page


def test_own_pages_are_the_volunteers_only(app, client, create_user, login):
    for url in ("/volunteers/me/profile", "/volunteers/me/phone", "/volunteers/me/withdraw",
                "/volunteers/me/phone/confirm"):
        assert client.get(url).status_code == 302  # log in first
    login(create_user())  # a coordinator has no volunteer profile
    for url in ("/volunteers/me/profile", "/volunteers/me/phone", "/volunteers/me/withdraw"):
        assert client.get(url).status_code == 404
