"""A child's pairing history: every pair (active or ended, with its cause) and every
proposal a coordinator rejected (with the reason chosen from REJECT_CAUSES and the words
they added), newest first. Shown on the child's page so the next coordinator knows why."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Pair, Proposal, User, Volunteer
from services.shared.taxonomy import N_

#: Why a coordinator rejects a proposal: a short list, plus words of their own.
REJECT_CAUSES: dict[str, str] = {
    "too_far": N_("Too far apart"),
    "needs_mismatch": N_("The volunteer's skills do not fit the child's needs"),
    "volunteer_unsuitable": N_("The volunteer is not suitable for this child"),
    "child_changed": N_("The child's situation has changed"),
    "other": N_("Another reason"),
}


def child_history(session: Session, child_id: int) -> list[dict]:
    """The child's pairs and rejected proposals as rows for the page, newest first."""
    pairs = session.execute(
        select(Pair, Volunteer.name, User.name)
        .join(Volunteer, Volunteer.id == Pair.volunteer_id)
        .outerjoin(User, User.id == Pair.ended_by_id)
        .where(Pair.child_id == child_id)).all()
    rejected = session.execute(
        select(Proposal, Volunteer.name, User.name)
        .join(Volunteer, Volunteer.id == Proposal.volunteer_id)
        .outerjoin(User, User.id == Proposal.decided_by_id)
        .where(Proposal.child_id == child_id, Proposal.status == "rejected")).all()
    rows = [{"kind": "pair", "at": pair.started_at, "volunteer": volunteer,
             "status": pair.status, "ended_at": pair.ended_at, "cause": pair.end_cause,
             "words": pair.end_reason, "by": by or ""} for pair, volunteer, by in pairs]
    rows += [{"kind": "rejected", "at": proposal.decided_at, "volunteer": volunteer,
              "cause": proposal.reject_cause, "words": proposal.reject_reason, "by": by or ""}
             for proposal, volunteer, by in rejected]
    return sorted(rows, key=lambda row: (row["at"] is not None, row["at"]), reverse=True)
