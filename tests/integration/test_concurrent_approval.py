"""Two coordinators approving conflicting proposals at the same moment, on PostgreSQL.

Each attempt runs in its own thread, session and transaction; a barrier releases them
together. Whatever the interleaving, one child never gets two active pairs and a
volunteer never exceeds their capacity.
"""

import threading

import pytest
from sqlalchemy import func, select

from core.clock import today_local
from core.errors import DomainError
from extensions import db
from models import MatchRun, Pair, Proposal, User, Volunteer
from services.pairs import lifecycle
from tests.conftest import COUNTY_A, TEST_DATABASE_URL

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _needs_postgresql():
    assert TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"), \
        "set TEST_DATABASE_URL to a PostgreSQL database"


def _proposals(app, coordinator, combos):
    with app.app_context():
        ids = []
        for child_id, volunteer_id in combos:  # one run each, as two runs would propose them
            run = MatchRun(region_code=COUNTY_A, run_date=today_local(), status="done",
                           stats={})
            db.session.add(run)
            db.session.flush()
            proposal = Proposal(run_id=run.id, child_id=child_id, volunteer_id=volunteer_id,
                                distance_km=1.0, quality=90.0, need_score=60.0,
                                distance_score=30.0, matched_needs="academic",
                                priority="normal", status="open", reject_reason="")
            db.session.add(proposal)
            db.session.flush()
            ids.append(proposal.id)
        db.session.commit()
        return ids


def _race(app, actors, proposal_ids, rounds=1):
    barrier = threading.Barrier(len(proposal_ids))
    outcomes = []

    def attempt(actor_id, proposal_id):
        with app.app_context():
            actor = db.session.get(User, actor_id)
            barrier.wait()
            try:
                lifecycle.approve_proposal(db.session, actor, proposal_id)
                db.session.commit()
                outcomes.append("approved")
            except DomainError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(a, p))
               for a, p in zip(actors, proposal_ids, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


def test_same_child_two_volunteers(app, create_user, create_volunteer, create_child):
    one, two = create_user(), create_user()
    child = create_child(one)
    volunteers = [create_volunteer(status="vetted", actor_id=one) for _ in range(2)]
    for _ in range(5):  # several rounds, fresh proposals each time
        ids = _proposals(app, one, [(child, volunteers[0]), (child, volunteers[1])])
        outcome = _race(app, [one, two], ids)
        assert outcome == ["approved", "refused"]  # the loser gets a message, not an error
        with app.app_context():
            active = db.session.execute(select(func.count()).select_from(Pair).where(
                Pair.child_id == child, Pair.status == "active")).scalar_one()
            assert active == 1, outcome
            pair = db.session.execute(select(Pair).where(Pair.status == "active")).scalar_one()
            lifecycle.end_pair(db.session, db.session.get(User, one), pair, "下一轮")
            db.session.commit()


def test_last_free_place_of_a_volunteer(app, create_user, create_volunteer, create_child):
    one, two = create_user(), create_user()
    volunteer = create_volunteer(status="vetted", actor_id=one, capacity="1")
    children = [create_child(one, name=f"孩子{i}") for i in range(2)]
    ids = _proposals(app, one, [(children[0], volunteer), (children[1], volunteer)])
    assert _race(app, [one, two], ids) == ["approved", "refused"]
    with app.app_context():
        assert db.session.get(Volunteer, volunteer).active_pairs == 1
        assert db.session.execute(select(func.count()).select_from(Pair)).scalar_one() == 1
