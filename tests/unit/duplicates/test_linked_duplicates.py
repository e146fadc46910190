"""A linked duplicate is never paired twice: matching leaves the twin out, approval
refuses it in the transaction, linking two paired records is refused."""

from datetime import date

import pytest
from sqlalchemy import select

from core.errors import DomainError
from extensions import db
from models import ChildDuplicate, MatchRun, Pair, Proposal, User
from services.duplicates import review
from services.matching import store
from services.pairs import lifecycle
from tests.conftest import COUNTY_A, COUNTY_B

ID_NUMBER = "450127201503021234"


def open_pair(app, child_ids) -> int:
    with app.app_context():
        low, high = sorted(child_ids)
        return db.session.execute(select(ChildDuplicate.id).where(
            ChildDuplicate.child_a_id == low, ChildDuplicate.child_b_id == high)).scalar_one()


def link(app, actor_id, duplicate_id):
    with app.app_context():
        review.link(db.session, db.session.get(User, actor_id), duplicate_id)
        db.session.commit()


def propose(app, child_id, volunteer_id, region=COUNTY_B) -> int:
    with app.app_context():
        run = MatchRun(region_code=region, run_date=date(2026, 12, 1), status="done", stats={})
        db.session.add(run)
        db.session.flush()
        proposal = Proposal(run_id=run.id, child_id=child_id, volunteer_id=volunteer_id,
                            distance_km=1, quality=90, need_score=60, distance_score=30,
                            matched_needs="academic", priority="urgent", reject_reason="")
        db.session.add(proposal)
        db.session.commit()
        return proposal.id


def run_children(app, region) -> set[int]:
    with app.app_context():
        run = MatchRun(region_code=region, run_date=date(2026, 12, 1), status="queued",
                       stats={})
        db.session.add(run)
        db.session.flush()
        found = {c.id for c in store.load_inputs(db.session, run).children}
        db.session.rollback()
        return found


@pytest.fixture
def twins(app, make_pair, create_user, create_child, create_volunteer):
    """make_pair's child (county A, actively paired) and the same child registered in
    county B, linked by B's coordinator; a vetted volunteer in B."""
    made = make_pair(id_number=ID_NUMBER)
    b = create_user(regions=(COUNTY_B,))
    twin = create_child(b, region_code=COUNTY_B, id_number=ID_NUMBER, name="黄晓敏")
    volunteer = create_volunteer(status="vetted", actor_id=b, region_code=COUNTY_B)
    return {**made, "b": b, "twin": twin, "b_volunteer": volunteer,
            "duplicate": open_pair(app, [made["child"], twin])}


def test_approval_refuses_the_twin_of_a_paired_child(app, twins):
    link(app, twins["b"], twins["duplicate"])
    # A proposal saved by a run that loaded its children before the link.
    proposal = propose(app, twins["twin"], twins["b_volunteer"])
    with app.app_context():
        with pytest.raises(DomainError, match="never paired twice"):
            lifecycle.approve_proposal(db.session, db.session.get(User, twins["b"]), proposal)
        db.session.rollback()
        assert db.session.execute(select(Pair).where(
            Pair.child_id == twins["twin"])).first() is None
        assert db.session.get(Proposal, proposal).status == "open"


def test_approving_one_record_withdraws_its_twins_proposals(
        app, create_user, create_child, create_volunteer):
    a = create_user(regions=(COUNTY_A,))
    b = create_user(regions=(COUNTY_B,))
    mine = create_child(a, id_number=ID_NUMBER)
    twin = create_child(b, region_code=COUNTY_B, id_number=ID_NUMBER)
    link(app, a, open_pair(app, [mine, twin]))
    mine_proposal = propose(app, mine, create_volunteer(status="vetted", actor_id=a),
                            region=COUNTY_A)
    twin_proposal = propose(app, twin, create_volunteer(status="vetted", actor_id=b,
                                                         region_code=COUNTY_B))
    with app.app_context():
        lifecycle.approve_proposal(db.session, db.session.get(User, a), mine_proposal)
        db.session.commit()
        assert db.session.get(Proposal, twin_proposal).status == "withdrawn"


def test_linking_withdraws_the_twins_open_proposals(app, twins):
    proposal = propose(app, twins["twin"], twins["b_volunteer"])
    link(app, twins["b"], twins["duplicate"])
    with app.app_context():
        assert db.session.get(Proposal, proposal).status == "withdrawn"


def test_matching_leaves_out_the_twin_of_a_paired_child(app, twins):
    assert twins["twin"] in run_children(app, COUNTY_B)
    link(app, twins["b"], twins["duplicate"])
    assert twins["twin"] not in run_children(app, COUNTY_B)
    assert twins["twin"] not in run_children(app, "450000")


def test_matching_leaves_out_the_twin_of_a_child_proposed_elsewhere(
        app, create_user, create_child, create_volunteer):
    a = create_user(regions=(COUNTY_A,))
    b = create_user(regions=(COUNTY_B,))
    mine = create_child(a, id_number=ID_NUMBER)
    twin = create_child(b, region_code=COUNTY_B, id_number=ID_NUMBER)
    link(app, a, open_pair(app, [mine, twin]))
    # Both unpaired, one run over both counties: only the lowest id is considered.
    assert {mine, twin} & run_children(app, "450000") == {min(mine, twin)}
    # Proposed in county A: a run in county B leaves the twin out.
    propose(app, mine, create_volunteer(status="vetted", actor_id=a), region=COUNTY_A)
    assert twin not in run_children(app, COUNTY_B)
    assert mine in run_children(app, COUNTY_A)  # that run would replace the proposal


def test_linking_two_paired_records_is_refused(app, twins, create_volunteer):
    proposal = propose(app, twins["twin"], twins["b_volunteer"])
    with app.app_context():
        lifecycle.approve_proposal(db.session, db.session.get(User, twins["b"]), proposal)
        db.session.commit()
    with app.app_context():
        with pytest.raises(DomainError, match="Both records"):
            review.link(db.session, db.session.get(User, twins["b"]),
                                  twins["duplicate"])
        db.session.rollback()
        assert db.session.get(ChildDuplicate, twins["duplicate"]).status == "open"


def test_a_twins_twin_is_linked_too(app, create_user, create_child):
    a = create_user(regions=(COUNTY_A,))
    b = create_user(regions=(COUNTY_B,))
    first = create_child(a, id_number=ID_NUMBER)
    second = create_child(b, region_code=COUNTY_B, id_number=ID_NUMBER, name="黄晓明",
                          guardian_phone="13700009999")
    third = create_child(b, region_code=COUNTY_B, name="黄小明", guardian_phone="13700008888")
    link(app, a, open_pair(app, [first, second]))
    link(app, b, open_pair(app, [second, third]))
    with app.app_context():
        rows = {(r.child_a_id, r.child_b_id): (r.rule, r.status) for r in
                db.session.execute(select(ChildDuplicate)).scalars()}
    assert rows[tuple(sorted([first, third]))] == ("linked_group", "linked")
