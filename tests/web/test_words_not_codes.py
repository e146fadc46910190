"""Words, not codes: the outbox shows the message as sent and why it waits; the access
history says who (name, role), what and when."""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from core import clock
from core.clock import LOCAL_TZ
from extensions import db
from models import Child, OutboxMessage, User
from services.sms import display
from tests.conftest import APPROVED_AT
from tests.web.test_followups import send_at


def local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)


def test_outbox_shows_text_as_sent_and_why_it_waits(app, client, make_pair, login):
    made = make_pair()
    night = local(date(2026, 12, 1), 22)
    with app.app_context():
        guardian = db.session.execute(select(OutboxMessage).where(
            OutboxMessage.template == "pair_approved_guardian")).scalar_one()
        guardian.not_before = local(date(2026, 12, 2), 8)  # as if approved at night
        db.session.commit()
    login(sorted(made["coordinators"])[0])
    with clock.frozen(night):
        page = client.get("/followups/outbox").get_data(as_text=True)
    assert "pair_approved_guardian" not in page and "pair_approved_volunteer" not in page
    assert "爱心家长丽华已与您家孩子结对，近期会与您联系。" in page
    assert "您与横县的小明结对已获批准" in page
    assert "免打扰时段，08:00 发送" in page
    assert "等待发送" in page  # the volunteer's notice is due now


def test_outbox_says_a_capped_message_waits_for_tomorrow(app, client, make_pair, login):
    made = make_pair()
    with app.app_context():
        held = db.session.execute(select(OutboxMessage).where(
            OutboxMessage.template == "pair_approved_guardian")).scalar_one()
        held.reason = "daily limit of 5 SMS for this number reached; waits for the next day"
        held.not_before = APPROVED_AT + timedelta(days=1)
        db.session.commit()
    login(sorted(made["coordinators"])[0])
    with clock.frozen(APPROVED_AT):
        page = client.get("/followups/outbox").get_data(as_text=True)
    assert "今日已达上限，明天发送" in page and "daily limit" not in page


def test_outbox_never_shows_a_code_and_sent_messages_say_nothing(app, make_pair):
    assert display.message_text("verification_code", {"code": "123456"}) == \
        "您的验证码是******，10分钟内有效。请勿告诉他人。"
    assert display.message_text("no_such_template", {}) == ""
    assert display.why("sent", "", APPROVED_AT, APPROVED_AT) is None
    assert display.why("skipped", "opted out (reply)", APPROVED_AT, APPROVED_AT)[0] == \
        "The recipient replied T to stop SMS"
    assert display.why("queued", "provider timeout", APPROVED_AT + timedelta(minutes=5),
                       APPROVED_AT) == ("Not sent yet; tries again at %(time)s",
                                        {"time": "10:05"})


def test_sent_skipped_reason_in_words_on_the_page(app, client, make_pair, login):
    made = make_pair()
    with app.app_context():
        from models import Volunteer
        from services.sms import sender

        phone = db.session.get(Volunteer, made["volunteer"]).phone
        sender.apply_reply(db.session, phone, "T")
        db.session.commit()
    send_at(app, APPROVED_AT)
    login(sorted(made["coordinators"])[0])
    page = client.get("/followups/outbox").get_data(as_text=True)
    assert "接收人已回复T退订" in page and "opted out" not in page


def test_access_history_says_who_what_and_when(app, client, create_user, create_child,
                                               login):
    coordinator = create_user(name="李协调")
    child_id = create_child(coordinator)
    login(coordinator)
    client.get(f"/children/{child_id}")
    client.post(f"/children/{child_id}/reveal/id_number")
    page = client.get(f"/children/{child_id}/history").get_data(as_text=True)
    assert "李协调" in page and "协调员" in page
    assert "查看档案" in page and "显示身份证号" in page and "登记儿童" in page
    for code in ("child.view", "child.reveal_id", "coordinator #"):
        assert code not in page
    with app.app_context():
        assert db.session.get(Child, child_id) and db.session.get(User, coordinator)
