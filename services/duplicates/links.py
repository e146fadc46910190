"""Linked duplicates ("twins"): records a coordinator confirmed are one child.

A linked group is never paired twice:
- matching leaves out a child whose twin has an active pair, or an open proposal that
  this run will not withdraw (the twin lives outside the run's region), and proposes at
  most one record of a group in one run (the lowest id);
- approving a proposal locks every record of the child's group (in id order, like every
  other decision about a child) and refuses when a twin already has an active pair.

Linking keeps each group complete (every two records of a group are linked), so a twin
is always one step away.
"""

from sqlalchemy import and_, case, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from core.clock import now
from models import Child, ChildDuplicate, Pair, Proposal


def twin_ids(session: Session, child_ids) -> set[int]:
    """The records linked to any of ``child_ids`` (not including them)."""
    ids = sorted(set(child_ids))
    if not ids:
        return set()
    d = ChildDuplicate
    rows = session.execute(select(d.child_a_id, d.child_b_id).where(
        d.status == "linked", or_(d.child_a_id.in_(ids), d.child_b_id.in_(ids)))).all()
    return {x for row in rows for x in row} - set(ids)


def group_of(session: Session, child_ids) -> set[int]:
    """The children and every record linked to them."""
    group = set(child_ids)
    while True:
        more = twin_ids(session, group)
        if not more:
            return group
        group |= more


def lock_group(session: Session, child_ids) -> set[int]:
    """Lock the rows of the children's whole group, in id order; returns the group.

    The group is read again after locking: a link committed meanwhile adds records,
    which are locked too.
    """
    locked: set[int] = set()
    group = group_of(session, child_ids)
    while group - locked:
        session.execute(select(Child.id).where(Child.id.in_(sorted(group - locked)))
                        .order_by(Child.id).with_for_update())
        locked |= group
        group = group_of(session, locked)
    return locked


def actively_paired(session: Session, child_ids) -> set[int]:
    ids = sorted(set(child_ids))
    if not ids:
        return set()
    return set(session.execute(select(Pair.child_id).where(
        Pair.child_id.in_(ids), Pair.status == "active")).scalars())


def withdraw_open_proposals(session: Session, child_ids) -> None:
    ids = sorted(set(child_ids))
    if ids:
        session.execute(update(Proposal).where(Proposal.child_id.in_(ids),
                                               Proposal.status == "open")
                        .values(status="withdrawn", decided_at=now())
                        .execution_options(synchronize_session=False))


def taken_twin_clause(counties: list[str]):
    """SQL: the child (``Child``) has a twin with an active pair, or with an open proposal
    outside ``counties`` (a run in ``counties`` withdraws the open proposals inside)."""
    d, twin = ChildDuplicate, aliased(Child)
    twin_id = case((d.child_a_id == Child.id, d.child_b_id), else_=d.child_a_id)
    paired = exists().where(Pair.child_id == twin_id, Pair.status == "active")
    proposed_elsewhere = exists().where(
        Proposal.child_id == twin_id, Proposal.status == "open", twin.id == twin_id,
        twin.region_code.not_in(counties))
    return exists().where(d.status == "linked",
                          or_(d.child_a_id == Child.id, d.child_b_id == Child.id),
                          or_(paired, proposed_elsewhere))


def later_twins(session: Session, counties: list[str], candidates: set[int]) -> set[int]:
    """Candidates with a linked lower-id record among the candidates: one run considers
    only the lowest id of each group."""
    a, b, d = aliased(Child), aliased(Child), ChildDuplicate
    rows = session.execute(
        select(d.child_a_id, d.child_b_id).join(a, a.id == d.child_a_id)
        .join(b, b.id == d.child_b_id)
        .where(d.status == "linked", and_(a.region_code.in_(counties),
                                          b.region_code.in_(counties)))).all()
    return {low_high[1] for low_high in rows
            if low_high[0] in candidates and low_high[1] in candidates}
