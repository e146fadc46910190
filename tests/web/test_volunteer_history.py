"""My pairs and history: per pair the contacts and visits logged, the next due dates and
the coordinator to call; a contact dated before the pair began or in the future is
refused."""

from datetime import datetime

from sqlalchemy import select

from core import clock
from core.clock import LOCAL_TZ
from extensions import db
from models import ContactLog, User, Volunteer

LATER = datetime(2026, 12, 10, 10, 0, tzinfo=LOCAL_TZ)


def _client(app, login, made):
    with app.app_context():
        user_id = db.session.get(Volunteer, made["volunteer"]).user_id
    return login(user_id, app.test_client())


def _log(client, pair_id, day, kind="call", minutes="30"):
    return client.post(f"/followups/pairs/{pair_id}/contact", data={
        "contact_date": day, "kind": kind, "duration_minutes": minutes, "child_mood": "fine",
        "notes": "", "concern_kind": "", "concern_text": ""})


def test_my_pairs_show_contacts_due_dates_and_the_coordinator(app, make_pair, login):
    made = make_pair()
    client = _client(app, login, made)
    with clock.frozen(LATER):
        assert _log(client, made["pair"], "2026-12-03", "call").status_code == 302
        assert _log(client, made["pair"], "2026-12-08", "home_visit", "90").status_code == 302
        page = client.get("/volunteers/me/pairs").get_data(as_text=True)
    with app.app_context():
        approver = db.session.get(User, min(made["coordinators"]))
        phone = approver.phone
    assert "小明" in page and "黄小明" not in page
    assert "已记录 2 次联系，其中家访 1 次" in page
    assert "2026-12-08" in page and "2026-12-03" in page and "90 分钟" in page
    assert approver.name in page and f"tel:{phone}" in page
    assert "2026-12-22" in page  # next call: 14 days after the last contact


def test_a_contact_before_the_pair_began_or_in_the_future_is_refused(app, make_pair, login):
    made = make_pair()  # approved 2026-12-01 10:00 Shanghai
    client = _client(app, login, made)
    with clock.frozen(LATER):
        before = _log(client, made["pair"], "2026-11-30")
        future = _log(client, made["pair"], "2026-12-11")
        first_day = _log(client, made["pair"], "2026-12-01")
    assert before.status_code == 200 and "2026-12-01" in before.get_data(as_text=True)
    assert future.status_code == 200 and "不能晚于今天" in future.get_data(as_text=True)
    assert first_day.status_code == 302
    with app.app_context():
        assert [e.contact_date.isoformat() for e in db.session.execute(
            select(ContactLog)).scalars()] == ["2026-12-01"]


def test_an_early_morning_pair_cannot_take_the_day_before(app, make_pair, login):
    """A pair approved at 00:30 Shanghai (16:30 UTC the day before) began that local day."""
    made = make_pair()
    from models import Pair

    with app.app_context():
        pair = db.session.get(Pair, made["pair"])
        pair.started_at = datetime(2026, 12, 1, 0, 30, tzinfo=LOCAL_TZ)
        db.session.commit()
    client = _client(app, login, made)
    with clock.frozen(LATER):
        assert _log(client, made["pair"], "2026-11-30").status_code == 200
