"""The watch list (监测预防): children to look at before something happens.

A child in the user's counties (still in the programme) is on the list for each of:
- ``low_mood``: their last two contacts both said the child seemed low or worried;
- ``escalated``: their active pair's call or visit is overdue by the coordinators' step of
  the escalation ladder (``escalation_days``) or more;
- ``dropout``: a contact in the last ``DROPOUT_DAYS`` days noted the child stopped school;
- ``consent_withdrawn``: the guardian's consent was withdrawn while a case is open.
Each item carries its reasons and the child's open case, if any (else the page offers to
open one).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from models import Child, Concern, ConsentRecord, ContactLog, Pair, User
from services.access import policy
from services.shared.taxonomy import N_

REASONS = {"low_mood": N_("The last two contacts found the child low or worried"),
           "escalated": N_("The pair's follow-up is overdue past the coordinators' step"),
           "dropout": N_("The volunteer noted the child stopped going to school"),
           "consent_withdrawn": N_("Consent was withdrawn while a case is open")}
LOW_MOODS = ("low", "worried")
DROPOUT_DAYS = 90
#: The kind a new case opened from the list starts with, per reason.
SUGGESTED_KIND = {"low_mood": "other", "escalated": "other", "dropout": "dropout",
                  "consent_withdrawn": "other"}


@dataclass
class WatchItem:
    child: Child
    reasons: list[str] = field(default_factory=list)
    open_case_id: int | None = None


def watch_list(session: Session, user: User, today: date, settings) -> list[WatchItem]:
    """Every child in the user's reach with a signal, most reasons first."""
    reach = policy.scoped(session, user, Child, select(Child.id)).where(
        Child.left_programme_on.is_(None))
    found: dict[int, set[str]] = {}
    for reason, child_ids in (("low_mood", _low_mood(session, reach)),
                              ("escalated", _escalated(session, reach, today, settings)),
                              ("dropout", _dropout(session, reach, today)),
                              ("consent_withdrawn", _withdrawn_with_open_case(session, reach))):
        for child_id in child_ids:
            found.setdefault(child_id, set()).add(reason)
    if not found:
        return []
    children = session.execute(select(Child).where(Child.id.in_(sorted(found)))).scalars().all()
    open_cases = dict(session.execute(
        select(Concern.child_id, func.max(Concern.id)).where(
            Concern.status == "open", Concern.child_id.in_([c.id for c in children]))
        .group_by(Concern.child_id)).tuples().all())
    items = [WatchItem(child, [r for r in REASONS if r in found[child.id]],
                       open_cases.get(child.id)) for child in children]
    return sorted(items, key=lambda i: (-len(i.reasons), i.child.name, i.child.id))


def _low_mood(session: Session, reach):
    ranked = select(Pair.child_id, ContactLog.child_mood, func.row_number().over(
        partition_by=Pair.child_id,
        order_by=(ContactLog.contact_date.desc(), ContactLog.id.desc())).label("n")
    ).join(Pair, Pair.id == ContactLog.pair_id).where(Pair.child_id.in_(reach)).subquery()
    return session.execute(
        select(ranked.c.child_id).where(ranked.c.n <= 2).group_by(ranked.c.child_id)
        .having(func.count() == 2,
                func.sum(case((ranked.c.child_mood.in_(LOW_MOODS), 1), else_=0)) == 2)).scalars()


def _escalated(session: Session, reach, today: date, settings):
    limit = today - timedelta(days=settings.escalation_days)
    return session.execute(select(Pair.child_id).where(
        Pair.status == "active", Pair.child_id.in_(reach),
        or_(Pair.next_contact_due <= limit, Pair.next_visit_due <= limit))).scalars()


def _dropout(session: Session, reach, today: date):
    return session.execute(select(Pair.child_id).join(
        ContactLog, ContactLog.pair_id == Pair.id).where(
        ContactLog.school_dropout.is_(True), Pair.child_id.in_(reach),
        ContactLog.contact_date >= today - timedelta(days=DROPOUT_DAYS)).distinct()).scalars()


def _withdrawn_with_open_case(session: Session, reach):
    withdrawn = select(ConsentRecord.child_id).where(ConsentRecord.withdrawn_at.is_not(None))
    return session.execute(select(Concern.child_id).join(
        Child, Child.id == Concern.child_id).where(
        and_(Concern.status == "open", Child.consenting.is_(False), Child.id.in_(reach),
             Concern.child_id.in_(withdrawn))).distinct()).scalars()
