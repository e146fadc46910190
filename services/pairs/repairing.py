"""Re-pairing: a child whose pair ended through no fault of theirs waits to be paired again.

When a pair ends because the volunteer withdrew, was suspended or their background
check expired, the child is marked ``repair_needed_since``: listed on the coordinators'
overview and favoured by the next matching runs. The flag is cleared when the child is
paired again (services.pairs.lifecycle.approve_proposal).

How "favoured" combines with the priority order (services.matching.engine.records.TIERS): a
re-pair child keeps its priority and goes first *within* it. A run still pairs the
most urgent children, then the most high, then the most normal; among the pairings
that reach those counts it pairs the most re-pair children of each priority, in that
order; total quality decides last. So a re-pair child never takes a place a more urgent
child could have had, and the run stays exact.
"""

import logging

from sqlalchemy import exists, update
from sqlalchemy.orm import Session

from core.clock import now
from core.errors import DomainError
from models import Child, Pair, User
from services.access import policy
from services.shared.taxonomy import N_

log = logging.getLogger(__name__)

#: Why a pair ended, as recorded in ``pairs.end_cause``.
END_CAUSES = {
    "volunteer_withdrew": N_("The volunteer withdrew"),
    "volunteer_suspended": N_("The volunteer was suspended"),
    "check_expired": N_("The volunteer's background check expired"),
    "other": N_("Another reason"),
}
#: Causes after which the child should be paired again.
REPAIR_CAUSES = frozenset({"volunteer_withdrew", "volunteer_suspended", "check_expired"})


def check_cause(cause: str) -> str:
    if cause not in END_CAUSES:
        raise DomainError("Choose why the pair ends from the list.")
    return cause


def after_pair_ended(session: Session, pair: Pair, cause: str) -> None:
    """Mark the child as waiting for a new caring parent when the cause calls for it."""
    if cause not in REPAIR_CAUSES:
        return
    session.execute(
        update(Child).where(Child.id == pair.child_id, Child.repair_needed_since.is_(None),
                            Child.left_programme_on.is_(None))
        .values(repair_needed_since=now())
        .execution_options(synchronize_session=False))
    log.info("child %s needs a new pair (pair %s ended: %s)", pair.child_id, pair.id, cause)


def after_paired(session: Session, child_id: int) -> None:
    """The child has a caring parent again: no longer waiting."""
    session.execute(
        update(Child).where(Child.id == child_id, Child.repair_needed_since.is_not(None))
        .values(repair_needed_since=None)
        .execution_options(synchronize_session=False))


def waiting_children(session: Session, user: User, limit: int = 100) -> list[Child]:
    """Children in the user's counties waiting to be paired again, longest-waiting first."""
    paired = exists().where(Pair.child_id == Child.id, Pair.status == "active")
    return list(session.execute(
        policy.scoped(session, user, Child)
        .where(Child.repair_needed_since.is_not(None), Child.left_programme_on.is_(None),
               ~paired)
        .order_by(Child.repair_needed_since, Child.id).limit(limit)).scalars())
