"""Approving proposals into pairs (结对), rejecting them, and ending pairs.

Safe under concurrency by the database, not by Python checks: the child's and the
proposal's rows are locked, the volunteer's place is taken by one conditional UPDATE
bounded by a CHECK on ``active_pairs <= capacity``, and a partial unique index allows
one active pair per child. Two coordinators approving conflicting proposals at the
same moment can never create two active pairs for one child or exceed a capacity: the
loser gets a clear message and nothing is written.
"""

import logging

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import age_on, now, today_local
from core.errors import DomainError, NotFound
from models import Child, ConsentRecord, OutboxMessage, Pair, Proposal, User, Volunteer
from services import notices
from services.access import audit
from services.access.policy import covers_region
from services.duplicates import links
from services.followups import contacts, feedback
from services.pairs import repairing
from services.settings import get_settings
from services.shared.names import given_name
from services.sms import outbox

log = logging.getLogger(__name__)


def _proposal_in_scope(session: Session, actor: User, proposal_id: int) -> Proposal:
    """Load and lock a proposal the actor may decide, locking its child's row first.

    Every decision takes its locks in one order (child and its linked duplicates by id,
    proposal, volunteer), so two decisions about the same child queue up instead of
    deadlocking.
    """
    found = session.execute(select(Proposal.child_id, Child.region_code)
                            .join(Child, Child.id == Proposal.child_id)
                            .where(Proposal.id == proposal_id)).first()
    if found is None or not covers_region(session, actor, found.region_code):
        raise NotFound()
    links.lock_group(session, [found.child_id])
    return session.execute(select(Proposal).where(Proposal.id == proposal_id)
                           .with_for_update().execution_options(populate_existing=True)
                           ).scalar_one()


def approve_proposal(session: Session, actor: User, proposal_id: int) -> Pair:
    """Turn an open proposal into an active pair."""
    proposal = _proposal_in_scope(session, actor, proposal_id)
    if proposal.status != "open":
        raise DomainError("This proposal is no longer open.")
    group = links.group_of(session, [proposal.child_id])
    if links.actively_paired(session, group - {proposal.child_id}):
        raise DomainError("A linked duplicate record of this child already has an active "
                          "pair: one child is never paired twice.")
    consented = session.execute(select(exists().where(
        ConsentRecord.child_id == proposal.child_id,
        ConsentRecord.withdrawn_at.is_(None)))).scalar_one()
    if not consented:
        raise DomainError("The guardian's consent has been withdrawn; the child cannot be "
                          "paired.")
    taken = session.execute(
        update(Volunteer)
        .where(Volunteer.id == proposal.volunteer_id, Volunteer.status == "vetted",
               Volunteer.active_pairs < Volunteer.capacity)
        .values(active_pairs=Volunteer.active_pairs + 1)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise DomainError("The volunteer is no longer vetted or has no free place.")
    pair = Pair(child_id=proposal.child_id, volunteer_id=proposal.volunteer_id,
                proposal_id=proposal.id, approved_by_id=actor.id, status="active")
    try:
        with session.begin_nested():
            session.add(pair)
    except IntegrityError:
        raise DomainError("This child already has an active pair.") from None
    proposal.status, proposal.decided_by_id, proposal.decided_at = "approved", actor.id, now()
    repairing.after_paired(session, proposal.child_id)
    _start_follow_up(session, pair)
    session.execute(
        update(Proposal)
        .where(Proposal.child_id.in_(sorted(group)), Proposal.status == "open",
               Proposal.id != proposal.id)
        .values(status="withdrawn", decided_at=now())
        .execution_options(synchronize_session=False))
    session.flush()
    audit.record(session, actor, "pair.approve", "pair", pair.id, proposal=proposal.id,
                 child=proposal.child_id, volunteer=proposal.volunteer_id)
    log.info("proposal %s approved as pair %s by user %s", proposal.id, pair.id, actor.id)
    return pair


def _start_follow_up(session: Session, pair: Pair) -> None:
    """Give a new pair its follow-up plan and tell the volunteer and the guardian."""

    contacts.plan_pair(session, pair, today_local())
    session.flush()
    notices.queue_pair_notices(session, pair, get_settings(session))


def reject_proposal(session: Session, actor: User, proposal_id: int, reason: str = "") -> None:
    """Reject a proposal; later runs never propose this exact pair again."""
    proposal = _proposal_in_scope(session, actor, proposal_id)
    if proposal.status != "open":
        raise DomainError("This proposal is no longer open.")
    proposal.status, proposal.decided_by_id, proposal.decided_at = "rejected", actor.id, now()
    proposal.reject_reason = (reason or "").strip()[:500]
    session.flush()
    audit.record(session, actor, "proposal.reject", "proposal", proposal.id,
                 child=proposal.child_id)
    log.info("proposal %s rejected by user %s", proposal.id, actor.id)


def approve_many(session: Session, actor: User, proposal_ids) -> tuple[int, list[tuple]]:
    """Approve several proposals, each on its own; return (approved, [(id, error)])."""
    approved, failed = 0, []
    for proposal_id in proposal_ids:
        try:
            with session.begin_nested():
                approve_proposal(session, actor, proposal_id)
            approved += 1
        except DomainError as error:
            failed.append((proposal_id, error))
    return approved, failed


def end_pair(session: Session, actor: User, pair: Pair, reason: str,
             cause: str = "other") -> None:
    """End an active pair; the child and the volunteer become available again.

    ``cause`` is one of services.pairs.repairing.END_CAUSES; when the volunteer withdrew, was
    suspended or their check expired, the child is marked as needing a new pair.
    """
    if not (reason or "").strip():
        raise DomainError("Give a reason.")
    repairing.check_cause(cause)
    ended = session.execute(
        update(Pair).where(Pair.id == pair.id, Pair.status == "active")
        .values(status="ended", ended_at=now(), ended_by_id=actor.id,
                end_reason=reason.strip()[:500], end_cause=cause)
        .execution_options(synchronize_session=False))
    if ended.rowcount != 1:
        raise DomainError("This pair has already ended.")
    session.execute(
        update(Volunteer).where(Volunteer.id == pair.volunteer_id)
        .values(active_pairs=Volunteer.active_pairs - 1)
        .execution_options(synchronize_session=False))
    outbox.skip_queued(session, "the pair ended", OutboxMessage.pair_id == pair.id,
                       OutboxMessage.subject.in_(("contact", "visit")))
    repairing.after_pair_ended(session, pair, cause)
    session.expire(pair)
    session.flush()

    feedback.request_end_feedback(session, pair.id, get_settings(session))
    audit.record(session, actor, "pair.end", "pair", pair.id, cause=cause)
    log.info("pair %s ended by user %s", pair.id, actor.id)


#: What a volunteer may see of a child they are paired with (and nothing else).
VOLUNTEER_CHILD_FIELDS = ("given_name", "age", "needs", "township", "county_code",
                          "guardian_first_name", "guardian_phone")


def end_volunteer_pairs(session: Session, actor: User, volunteer_id: int, cause: str,
                        reason: str) -> int:
    """End every active pair of a volunteer with ``cause``; return how many ended."""

    active = session.execute(select(Pair).where(Pair.volunteer_id == volunteer_id,
                                                Pair.status == "active")
                             .order_by(Pair.id)).scalars().all()
    for pair in active:
        end_pair(session, actor, pair, reason, cause=cause)
    return len(active)


def volunteer_pairs(session: Session, volunteer_id: int) -> list[dict]:
    """A volunteer's active pairs with only the minimum they need about each child."""
    rows = session.execute(
        select(Pair.id, Pair.started_at, Pair.next_contact_due, Pair.next_visit_due, Child)
        .join(Child, Child.id == Pair.child_id)
        .where(Pair.volunteer_id == volunteer_id, Pair.status == "active")
        .order_by(Pair.started_at)).all()
    today = today_local()
    return [{
        "pair_id": pair_id, "since": started_at, "next_contact_due": contact_due,
        "next_visit_due": visit_due,
        "child": {
            "given_name": given_name(child.name), "age": age_on(child.birth_date, today),
            "needs": child.needs, "township": child.township,
            "county_code": child.region_code,
            "guardian_first_name": given_name(child.guardian_name),
            "guardian_phone": child.guardian_phone,
        },
    } for pair_id, started_at, contact_due, visit_due, child in rows]
