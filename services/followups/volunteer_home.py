"""What a volunteer's phone pages show: their reminders and sensible form defaults.

A volunteer sees only their own: the due dates of their own active pairs and the SMS
reminders the outbox addressed to their own account (never a guardian's or a
coordinator's message, never another volunteer's).
"""

from collections import Counter
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import today_local
from models import Child, ContactLog, OutboxMessage, Pair, User
from services.access import policy
from services.shared.names import given_name
from services.shared.taxonomy import N_

#: What each reminder was about, as the volunteer reads it (templates → message ids).
REMINDER_LABELS = {
    "pair_approved_volunteer": N_("Pair approved"),
    "contact_due": N_("Call or video due"),
    "visit_due": N_("Home visit due"),
    "contact_overdue": N_("Contact overdue"),
    "volunteer_vetted": N_("Application approved"),
    "volunteer_not_approved": N_("Application not approved"),
    "volunteer_suspended": N_("Taking part suspended"),
    "check_expiring": N_("Background check runs out soon"),
    "check_expired": N_("Background check ran out"),
    "verification_code": N_("Verification code"),
}
DEFAULT_CONTACT_KIND = "call"


def upcoming_due_dates(pairs: list[dict], today: date | None = None) -> list[dict]:
    """The next call and the next visit of each pair, soonest first, overdue marked."""
    today = today or today_local()
    items = []
    for pair in pairs:
        for kind, due in (("contact", pair["next_contact_due"]),
                          ("visit", pair["next_visit_due"])):
            if due is None:
                continue
            items.append({"pair_id": pair["pair_id"], "kind": kind, "due": due,
                          "days_left": (due - today).days, "overdue": due < today,
                          "child_given_name": pair["child"]["given_name"]})
    return sorted(items, key=lambda item: (item["due"], item["kind"]))


def reminders_sent(session: Session, user: User, limit: int = 20) -> list[OutboxMessage]:
    """The newest SMS the outbox addressed to this volunteer's own account."""
    stmt = policy.own_messages(user).order_by(OutboxMessage.created_at.desc(),
                                              OutboxMessage.id.desc()).limit(limit)
    return list(session.execute(stmt).scalars())


def usual_contact_kind(session: Session, user: User, pair_id: int) -> str:
    """The kind of contact this volunteer logs most often for this pair (the latest one
    wins a tie); a phone call when they have logged none."""
    kinds = session.execute(
        select(ContactLog.kind).where(ContactLog.pair_id == pair_id,
                                      ContactLog.logged_by_id == user.id)
        .order_by(ContactLog.contact_date.desc(), ContactLog.id.desc())).scalars().all()
    if not kinds:
        return DEFAULT_CONTACT_KIND
    counts = Counter(kinds)
    best = max(counts.values())
    return next(kind for kind in kinds if counts[kind] == best)


def pair_history(session: Session, volunteer_id: int) -> list[dict]:
    """Each of the volunteer's pairs, active first: the child's given name, when it began
    (and ended), the contacts and visits logged, the next due dates, and the coordinator
    to call (the one who approved the pair, else one covering the child's county)."""
    pairs = session.execute(
        select(Pair, Child.name, Child.region_code).join(Child, Child.id == Pair.child_id)
        .where(Pair.volunteer_id == volunteer_id)
        .order_by((Pair.status == "active").desc(), Pair.started_at.desc())).all()
    logs = session.execute(
        select(ContactLog).where(ContactLog.pair_id.in_([p.id for p, _, _ in pairs]))
        .order_by(ContactLog.contact_date.desc(), ContactLog.id.desc())).scalars().all()
    by_pair: dict[int, list[ContactLog]] = {}
    for entry in logs:
        by_pair.setdefault(entry.pair_id, []).append(entry)
    history = []
    for pair, child_name, county in pairs:
        coordinator = session.get(User, pair.approved_by_id) if pair.approved_by_id else None
        if coordinator is None or not coordinator.active or coordinator.role != "coordinator":
            coordinator = next(iter(policy.coordinators_of(session, county)), None)
        history.append({
            "pair_id": pair.id, "status": pair.status, "since": pair.started_at,
            "ended_at": pair.ended_at, "child_given_name": given_name(child_name),
            "next_contact_due": pair.next_contact_due if pair.status == "active" else None,
            "next_visit_due": pair.next_visit_due if pair.status == "active" else None,
            "contacts": by_pair.get(pair.id, []),
            "visits": sum(1 for e in by_pair.get(pair.id, []) if e.kind == "home_visit"),
            "coordinator": {"name": coordinator.name, "phone": coordinator.phone}
            if coordinator else None,
        })
    return history
