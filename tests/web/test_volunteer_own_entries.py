"""The volunteer's own history per pair: what they logged, correctable for 24 hours, never
another person's notes."""

from datetime import timedelta

from sqlalchemy import select

from core import clock
from extensions import db
from models import ContactLog, Pair, Volunteer
from tests.conftest import APPROVED_AT

LOGGED = APPROVED_AT + timedelta(days=2)


def volunteer_client(app, made, login):
    with app.app_context():
        user_id = db.session.get(Volunteer, made["volunteer"]).user_id
    return login(user_id, app.test_client()), user_id


def log(client, made, notes, day="2026-12-03"):
    with clock.frozen(LOGGED):
        response = client.post(f"/followups/pairs/{made['pair']}/contact", data={
            "contact_date": day, "kind": "call", "duration_minutes": "20",
            "child_mood": "happy", "notes": notes, "concern_kind": "", "concern_text": ""})
    assert response.status_code == 302


def test_history_shows_only_ones_own_entries_and_allows_corrections_for_a_day(
        app, make_pair, create_user, login):
    made = make_pair()
    volunteer, user_id = volunteer_client(app, made, login)
    log(volunteer, made, "一起读了绘本")
    with app.app_context():  # a note on the same pair by someone else (e.g. a past helper)
        db.session.add(ContactLog(pair_id=made["pair"], contact_date=LOGGED.date(),
                                  kind="call", child_mood="fine", notes="别人的记录",
                                  logged_by_id=create_user(), created_at=LOGGED))
        db.session.commit()
        entry = db.session.execute(select(ContactLog).where(
            ContactLog.logged_by_id == user_id)).scalar_one()
    with clock.frozen(LOGGED + timedelta(hours=2)):
        page = volunteer.get(f"/followups/pairs/{made['pair']}/history").get_data(as_text=True)
        assert "一起读了绘本" in page and "别人的记录" not in page
        assert f"/followups/contacts/{entry.id}/edit" in page
        fixed = volunteer.post(f"/followups/contacts/{entry.id}/edit", data={
            "contact_date": "2026-12-03", "kind": "video", "duration_minutes": "35",
            "child_mood": "fine", "notes": "一起读了两本绘本"})
        assert fixed.status_code == 302
    with app.app_context():
        entry = db.session.get(ContactLog, entry.id)
        assert (entry.kind, entry.duration_minutes, entry.notes) == (
            "video", 35, "一起读了两本绘本")
    with clock.frozen(LOGGED + timedelta(hours=25)):
        page = volunteer.get(f"/followups/pairs/{made['pair']}/history").get_data(as_text=True)
        assert f"/followups/contacts/{entry.id}/edit" not in page
        late = volunteer.post(f"/followups/contacts/{entry.id}/edit", data={
            "contact_date": "2026-12-03", "kind": "call", "duration_minutes": "5",
            "child_mood": "fine", "notes": "改"})
        assert "24 小时" in late.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ContactLog, entry.id).notes == "一起读了两本绘本"


def test_another_volunteers_entries_and_pairs_are_not_found(app, make_pair, login):
    mine, theirs = make_pair(), make_pair()
    me, _ = volunteer_client(app, mine, login)
    them, _ = volunteer_client(app, theirs, login)
    log(them, theirs, "他们的记录")
    with app.app_context():
        their_entry = db.session.execute(select(ContactLog.id)).scalar_one()
        assert db.session.get(Pair, theirs["pair"]).volunteer_id != mine["volunteer"]
    assert me.get(f"/followups/pairs/{theirs['pair']}/history").status_code == 404
    with clock.frozen(LOGGED):
        assert me.get(f"/followups/contacts/{their_entry}/edit").status_code == 404
        assert me.post(f"/followups/contacts/{their_entry}/edit", data={
            "contact_date": "2026-12-03", "kind": "call", "child_mood": "fine",
            "notes": "x"}).status_code == 404
    staff = login(min(mine["coordinators"]), app.test_client())
    assert staff.get(f"/followups/contacts/{their_entry}/edit").status_code == 403
