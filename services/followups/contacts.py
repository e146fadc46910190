"""The follow-up rhythm of a pair: due dates, contact logs, concerns (强制报告).

Every active pair has a next contact (call/video) due date and a next home-visit due
date from the programme settings. Logging a contact moves them forward from the
contact's date; any logged contact moves the contact date, a home visit moves both.
A concern is never just a note: it opens a case (services.followups.cases) and alerts the
coordinators of the child's county at once (SMS + dashboard).
"""

import logging
from datetime import date, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from core.clock import LOCAL_TZ, now, today_local
from core.errors import DomainError
from models import Child, Concern, ContactLog, Pair, User, Volunteer
from services.access.policy import scoped_pairs
from services.followups import cases
from services.followups.cases import CONCERN_KINDS
from services.settings import get_settings
from services.shared.taxonomy import N_
from services.shared.validation import Checker
from services.sms import outbox

log = logging.getLogger(__name__)

CONTACT_KINDS = {"call": N_("Phone call"), "video": N_("Video call"),
                 "home_visit": N_("Home visit"), "activity": N_("Activity together"),
                 "message": N_("Messages")}
CHILD_MOODS = {"happy": N_("Happy"), "fine": N_("Fine"), "low": N_("Low"),
               "worried": N_("Worried me")}


def plan_pair(session: Session, pair: Pair, start: date) -> None:
    """Set a new pair's first due dates from the programme's rhythm."""
    settings = get_settings(session)
    pair.next_contact_due = start + timedelta(days=settings.contact_interval_days)
    pair.next_visit_due = start + timedelta(days=settings.visit_interval_days)


def log_contact(session: Session, actor: User, pair: Pair, raw: dict) -> ContactLog:
    """Record a contact; move the due dates; a concern raises an alert at once."""
    if pair.status != "active":
        raise DomainError("This pair has ended; contacts can no longer be logged.")
    c = Checker(raw)
    contact_date = c.day("contact_date", not_after=today_local())
    started_on = pair_started_on(pair)
    if contact_date and contact_date < started_on:
        c.fail("contact_date", "The date is before the pair started on %(day)s.",
               day=started_on.isoformat())
    values = {
        "contact_date": contact_date,
        "kind": c.choice("kind", CONTACT_KINDS),
        "duration_minutes": c.integer("duration_minutes", 0, 1440, required=False) or 0,
        "notes": c.text("notes", required=False, max_len=2000),
        "child_mood": c.choice("child_mood", CHILD_MOODS),
        "school_dropout": bool(raw.get("school_dropout")),
    }
    concern_kind = c.choice("concern_kind", CONCERN_KINDS, required=False)
    concern_text = c.text("concern_text", required=False, max_len=2000)
    if concern_kind and not concern_text:
        c.fail("concern_text", "Describe the concern so the coordinator can act on it.")
    c.done()
    entry = ContactLog(pair_id=pair.id, logged_by_id=actor.id, **values)
    session.add(entry)
    session.flush()
    _move_due_dates(session, pair, values["contact_date"], values["kind"])
    if concern_kind:
        raise_concern(session, actor, pair.child_id, concern_kind, concern_text,
                      pair_id=pair.id, contact_log_id=entry.id)
    log.info("contact %s logged on pair %s by user %s", entry.id, pair.id, actor.id)
    return entry


def pair_started_on(pair: Pair) -> date:
    """The local (Asia/Shanghai) day a pair began: no contact can be earlier."""
    return pair.started_at.astimezone(LOCAL_TZ).date()


def _move_due_dates(session: Session, pair: Pair, day: date, kind: str) -> None:
    settings = get_settings(session)
    pair.last_contact_on = max(filter(None, (pair.last_contact_on, day)))
    next_contact = day + timedelta(days=settings.contact_interval_days)
    if pair.next_contact_due is None or next_contact > pair.next_contact_due:
        pair.next_contact_due = next_contact
    if kind == "home_visit":
        next_visit = day + timedelta(days=settings.visit_interval_days)
        if pair.next_visit_due is None or next_visit > pair.next_visit_due:
            pair.next_visit_due = next_visit
    session.flush()
    outbox.cancel_pending_reminders(session, pair)


def raise_concern(session: Session, actor: User, child_id: int, kind: str, text: str, *,
                  pair_id: int | None = None, contact_log_id: int | None = None,
                  immediate_danger: bool = False) -> Concern:
    """Open a case reported by ``actor`` and alert every coordinator of the child's county."""
    return cases.open_case(session, actor, session.get(Child, child_id), kind, text,
                           pair_id=pair_id, contact_log_id=contact_log_id,
                           reporter_kind="volunteer" if actor.role == "volunteer"
                           else "coordinator", immediate_danger=immediate_danger)


def act_on_concern(session: Session, actor: User, concern: Concern, action: str,
                   reason: str = "") -> None:
    """Close the case with what was done (the outcome) and why (defaults to the outcome)."""
    if not (action or "").strip():
        raise DomainError("Describe what was done.")
    if concern.status != "open":
        raise DomainError("This concern is already closed.")
    cases.close(session, actor, concern, {"outcome": action,
                                          "close_reason": reason or action})


def pair_of_volunteer(session: Session, actor: User, pair_id: int) -> Pair | None:
    """The volunteer's own pair with this id, else None."""
    return session.execute(
        select(Pair).join(Volunteer, Volunteer.id == Pair.volunteer_id)
        .where(Pair.id == pair_id, Volunteer.user_id == actor.id)).scalar_one_or_none()


def compliance(session: Session, user: User, today: date) -> dict:
    """Follow-up compliance of the user's active pairs, per county and per volunteer.

    A pair complies when it had a contact in the last 30 days; it is overdue when its
    contact or visit due date has passed.
    """


    recent = case((Pair.last_contact_on >= today - timedelta(days=30), 1), else_=0)
    overdue = case((or_(Pair.next_contact_due < today, Pair.next_visit_due < today), 1),
                   else_=0)
    columns = (func.count(Pair.id), func.sum(recent), func.sum(overdue))

    def grouped(*keys):
        return scoped_pairs(session, user, select(*keys, *columns).select_from(Pair)).where(
            Pair.status == "active")

    by_county = session.execute(
        grouped(Child.region_code).group_by(Child.region_code).order_by(Child.region_code)
    ).all()
    by_volunteer = session.execute(
        grouped(Volunteer.id, Volunteer.name).join(Volunteer, Volunteer.id == Pair.volunteer_id)
        .group_by(Volunteer.id, Volunteer.name)
        .order_by(func.sum(overdue).desc(), Volunteer.name).limit(200)
    ).all()
    return {"by_county": by_county, "by_volunteer": by_volunteer}


#: A volunteer may correct their own contact log for this long after saving it.
EDIT_WINDOW = timedelta(hours=24)


def own_history(session: Session, actor: User, pair: Pair) -> dict:
    """What this volunteer logged on this pair (never another volunteer's notes), newest
    first, each marked editable while inside EDIT_WINDOW, and the concerns they reported."""
    logs = session.execute(select(ContactLog).where(
        ContactLog.pair_id == pair.id, ContactLog.logged_by_id == actor.id)
        .order_by(ContactLog.contact_date.desc(), ContactLog.id.desc())).scalars().all()
    reports = session.execute(select(Concern).where(
        Concern.pair_id == pair.id, Concern.raised_by_id == actor.id)
        .order_by(Concern.id.desc())).scalars().all()
    moment = now()
    return {"contacts": [{"log": log, "editable": moment - log.created_at < EDIT_WINDOW}
                         for log in logs], "reports": reports}


def own_contact(session: Session, actor: User, contact_id: int) -> ContactLog | None:
    """A contact this volunteer logged, else None."""
    return session.execute(select(ContactLog).where(
        ContactLog.id == contact_id, ContactLog.logged_by_id == actor.id)).scalar_one_or_none()


def edit_contact(session: Session, actor: User, entry: ContactLog, raw: dict) -> None:
    """Correct one's own contact within EDIT_WINDOW of saving it; a later date moves the due
    dates forward as logging would (an earlier one leaves them)."""
    if entry.logged_by_id != actor.id:
        raise DomainError("You can only change what you logged yourself.")
    if now() - entry.created_at >= EDIT_WINDOW:
        raise DomainError("A contact can be changed for 24 hours after it was saved; ask "
                          "your coordinator to correct it.")
    pair = session.get(Pair, entry.pair_id)
    c = Checker(raw)
    contact_date = c.day("contact_date", not_after=today_local())
    if contact_date and contact_date < pair.started_at.date() - timedelta(days=1):
        c.fail("contact_date", "The date is before the pair started.")
    values = {
        "contact_date": contact_date,
        "kind": c.choice("kind", CONTACT_KINDS),
        "duration_minutes": c.integer("duration_minutes", 0, 1440, required=False) or 0,
        "notes": c.text("notes", required=False, max_len=2000),
        "child_mood": c.choice("child_mood", CHILD_MOODS),
        "school_dropout": bool(raw.get("school_dropout")),
    }
    c.done()
    for name, value in values.items():
        setattr(entry, name, value)
    session.flush()
    if pair.status == "active":
        _move_due_dates(session, pair, values["contact_date"], values["kind"])
    log.info("contact %s corrected by user %s", entry.id, actor.id)
