"""Re-pairing: pairs ended on the volunteer's side mark the child; runs favour such children."""

from datetime import datetime

import pytest
from sqlalchemy import select

from core import clock
from core.clock import LOCAL_TZ
from extensions import db
from models import Child, Pair, Proposal, User, Volunteer
from services.pairs import lifecycle
from tests.conftest import COUNTY_A

LATER = datetime(2026, 12, 20, 10, 0, tzinfo=LOCAL_TZ)


def child_row(app, child_id) -> Child:
    with app.app_context():
        return db.session.get(Child, child_id)


def active_pairs(app, volunteer_id) -> list[Pair]:
    with app.app_context():
        return db.session.execute(select(Pair).where(
            Pair.volunteer_id == volunteer_id, Pair.status == "active")).scalars().all()


def second_pair(app, made, create_child):
    """Pair the same volunteer with another child (capacity is 2)."""
    coordinator = min(made["coordinators"])
    child_id = create_child(coordinator, name="黄小红", gender="F")
    with app.app_context(), clock.frozen(LATER):
        run = db.session.execute(select(Proposal.run_id)).scalars().first()
        proposal = Proposal(run_id=run, child_id=child_id, volunteer_id=made["volunteer"],
                            distance_km=1, quality=80, need_score=60, distance_score=20,
                            matched_needs="academic", priority="high", reject_reason="")
        db.session.add(proposal)
        db.session.flush()
        lifecycle.approve_proposal(db.session, db.session.get(User, coordinator), proposal.id)
        db.session.commit()
    return child_id


def test_suspension_ends_every_pair_with_the_reason(client, app, make_pair, create_child,
                                                    login):
    made = make_pair()
    other_child = second_pair(app, made, create_child)
    login(min(made["coordinators"]))
    with clock.frozen(LATER):
        response = client.post(f"/volunteers/{made['volunteer']}/suspend",
                               data={"reason": "家访时违反规定"})
    assert response.status_code == 302
    assert active_pairs(app, made["volunteer"]) == []
    with app.app_context():
        ended = db.session.execute(select(Pair)).scalars().all()
        assert {p.end_cause for p in ended} == {"volunteer_suspended"}
        assert all("家访时违反规定" in p.end_reason for p in ended)
        assert db.session.get(Volunteer, made["volunteer"]).active_pairs == 0
    for child_id in (made["child"], other_child):
        assert child_row(app, child_id).repair_needed_since == LATER
    page = client.get("/").get_data(as_text=True)
    assert 'id="repair-list"' in page and "黄小明" in page and "黄小红" in page


@pytest.mark.parametrize("cause, marked", [
    ("volunteer_withdrew", True), ("check_expired", True), ("other", False)])
def test_ending_a_pair_marks_the_child_by_cause(client, app, make_pair, login, cause, marked):
    made = make_pair()
    login(min(made["coordinators"]))
    with clock.frozen(LATER):
        response = client.post(f"/matching/pairs/{made['pair']}/end",
                               data={"reason": "搬家了", "cause": cause})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Pair, made["pair"]).end_cause == cause
    assert (child_row(app, made["child"]).repair_needed_since is not None) is marked
    assert ("黄小明" in client.get("/").get_data(as_text=True)) is marked


def test_ending_through_the_api_with_a_cause(client, app, make_pair, auth):
    made = make_pair()
    headers = auth(min(made["coordinators"]))
    bad = client.post(f"/api/v1/pairs/{made['pair']}/end", headers=headers,
                      json={"reason": "x", "cause": "bored"})
    assert bad.status_code == 422
    ended = client.post(f"/api/v1/pairs/{made['pair']}/end", headers=headers,
                        json={"reason": "志愿者退出", "cause": "volunteer_withdrew"})
    assert ended.status_code == 200 and ended.json["end_cause"] == "volunteer_withdrew"
    assert child_row(app, made["child"]).repair_needed_since is not None


def test_pairing_again_clears_the_mark(client, app, make_pair, create_volunteer, login):
    made = make_pair()
    coordinator = min(made["coordinators"])
    login(coordinator)
    client.post(f"/matching/pairs/{made['pair']}/end",
                data={"reason": "志愿者退出", "cause": "volunteer_withdrew"})
    create_volunteer(status="vetted", actor_id=coordinator, name="李新", skills=["academic"])
    client.post("/matching/runs", data={"region_code": COUNTY_A})
    with app.app_context():
        proposal = db.session.execute(select(Proposal).where(
            Proposal.status == "open")).scalar_one()
        assert proposal.child_id == made["child"]
    client.post(f"/matching/proposals/{proposal.id}/approve")
    assert child_row(app, made["child"]).repair_needed_since is None
    assert 'id="repair-list"' in client.get("/").get_data(as_text=True)
    assert "黄小明" not in client.get("/").get_data(as_text=True).split('id="repair-list"')[1]


def test_a_run_favours_the_child_waiting_for_a_new_pair(client, app, create_user,
                                                        create_volunteer, create_child, login):
    coordinator = create_user()
    login(coordinator)
    create_volunteer(status="vetted", actor_id=coordinator, capacity="1", skills=["academic"])
    # Same priority; the child who meets more of the volunteer's skills would win on quality.
    better_fit = create_child(coordinator, name="黄全配", priority="high", needs=["academic"])
    waiting = create_child(coordinator, name="黄再配", priority="high",
                           needs=["academic", "health"])
    client.post("/matching/runs", data={"region_code": COUNTY_A})
    with app.app_context():
        assert db.session.execute(select(Proposal.child_id)).scalar_one() == better_fit
        db.session.get(Child, waiting).repair_needed_since = clock.now()
        db.session.commit()
    client.post("/matching/runs", data={"region_code": COUNTY_A})
    with app.app_context():
        chosen = db.session.execute(select(Proposal.child_id).where(
            Proposal.status == "open")).scalar_one()
        assert chosen == waiting


def test_a_waiting_child_never_takes_a_more_urgent_childs_place(client, app, create_user,
                                                                create_volunteer, create_child,
                                                                login):
    coordinator = create_user()
    login(coordinator)
    create_volunteer(status="vetted", actor_id=coordinator, capacity="1", skills=["academic"])
    urgent = create_child(coordinator, name="黄急急", priority="urgent", needs=["academic"])
    waiting = create_child(coordinator, name="黄再配", priority="high", needs=["academic"])
    with app.app_context():
        db.session.get(Child, waiting).repair_needed_since = clock.now()
        db.session.commit()
    client.post("/matching/runs", data={"region_code": COUNTY_A})
    with app.app_context():
        assert db.session.execute(select(Proposal.child_id)).scalar_one() == urgent
