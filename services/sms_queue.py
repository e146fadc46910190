"""Writing SMS into the outbox: reminders from the sweep, approval notices, concern alerts.

Nothing here sends. Each message is one outbox row with a unique key per (subject,
kind, due date, stage, recipient), inserted with "on conflict do nothing", so a double
beat or two sweeps at once are harmless. Reminders wait for the end of quiet hours;
concern alerts do not (a mandatory report must reach a coordinator at once).
"""

import logging
from datetime import datetime, time, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from models import Child, Concern, OutboxMessage, Pair, User, Volunteer
from services.bulk import insert_rows
from services.clock import LOCAL_TZ, now
from services.crypto import lookup_hash
from services.names import given_name
from services.regions import region_tree

log = logging.getLogger(__name__)

REMINDER_SUBJECTS = ("contact", "visit")
#: A message stuck in "sending" this long was interrupted between claim and result.
STALE_SENDING = timedelta(minutes=10)


def after_quiet_hours(moment: datetime, quiet_start: int, quiet_end: int) -> datetime:
    """The first time at or after ``moment`` outside quiet hours (Asia/Shanghai)."""
    local = moment.astimezone(LOCAL_TZ)
    hour = local.hour
    quiet = (quiet_start <= hour or hour < quiet_end) if quiet_start > quiet_end \
        else (quiet_start <= hour < quiet_end)
    if not quiet:
        return moment
    day = local.date() if hour < quiet_end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(quiet_end), LOCAL_TZ).astimezone(moment.tzinfo)


def _row(key, template, subject, audience, phone, *, user_id=None, pair_id=None,
         child_id=None, concern_id=None, params=None, not_before=None):
    stamp = now()
    return {"key": key, "template": template, "subject": subject, "audience": audience,
            "to_phone": phone, "to_phone_hash": lookup_hash(phone),
            "recipient_user_id": user_id, "pair_id": pair_id,
            "child_id": child_id, "concern_id": concern_id, "params": params or {},
            "status": "queued", "reason": "", "attempts": 0, "not_before": not_before or stamp,
            "provider": "", "created_at": stamp}


def queue(session: Session, rows: list[dict]) -> None:
    """Insert outbox rows; a key already present is left as it is."""
    insert_rows(session, OutboxMessage.__table__, rows, ignore_conflicts_on="key")


def coordinators_of(session: Session, county: str) -> list[User]:
    """Active coordinators covering a county (directly, or by its city or province)."""
    ancestors = {r.code for r in region_tree(session).path(county)}
    coordinators = session.execute(select(User).where(
        User.role == "coordinator", User.active)).scalars().all()
    return [u for u in coordinators if ancestors & set(u.region_codes)]


def sweep(session: Session, moment: datetime, settings) -> dict:
    """Queue every reminder and escalation that is due at ``moment``.

    Each overdue pair gets the step of the escalation ladder it has reached
    (services.escalation); messages stuck in "sending" are marked unknown.
    """
    from services.escalation import ladder_rows

    today = moment.astimezone(LOCAL_TZ).date()
    not_before = after_quiet_hours(moment, settings.quiet_start, settings.quiet_end)
    rows = ladder_rows(session, today, not_before, settings)
    queue(session, rows)
    from services import feedback

    feedback_requests = feedback.queue_due_requests(session, moment, settings)
    stale = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending",
               OutboxMessage.claimed_at < moment - STALE_SENDING)
        .values(status="unknown", reason="interrupted while sending; check with the provider")
        .execution_options(synchronize_session=False)).rowcount
    log.info("sweep at %s: %s reminder rows considered, %s interrupted sends marked unknown",
             moment.isoformat(), len(rows), stale)
    return {"considered": len(rows), "interrupted": stale, "feedback": feedback_requests}


def queue_pair_notices(session: Session, pair: Pair, settings) -> None:
    """On approval, tell the volunteer and the guardian (after quiet hours)."""
    child = session.get(Child, pair.child_id)
    volunteer = session.get(Volunteer, pair.volunteer_id)
    not_before = after_quiet_hours(now(), settings.quiet_start, settings.quiet_end)
    county = region_tree(session).get(child.region_code)
    queue(session, [
        _row(f"pair:{pair.id}:approved:volunteer", "pair_approved_volunteer", "approval",
             "volunteer", volunteer.phone, user_id=volunteer.user_id, pair_id=pair.id,
             child_id=child.id, not_before=not_before,
             params={"child_given_name": given_name(child.name),
                     "county": county.name if county else ""}),
        _row(f"pair:{pair.id}:approved:guardian", "pair_approved_guardian", "approval",
             "guardian", child.guardian_phone, pair_id=pair.id, child_id=child.id,
             not_before=not_before,
             params={"volunteer_given_name": given_name(volunteer.name)}),
    ])


def queue_concern_alert(session: Session, concern: Concern, child: Child, label: str) -> None:
    """Alert every coordinator of the child's county now, whatever the hour."""
    county = region_tree(session).get(child.region_code)
    queue(session, [
        _row(f"concern:{concern.id}:u{coordinator.id}", "concern_raised", "concern",
             "coordinator", coordinator.phone, user_id=coordinator.id,
             pair_id=concern.pair_id, child_id=child.id, concern_id=concern.id,
             params={"county": county.name if county else "", "kind": label})
        for coordinator in coordinators_of(session, child.region_code)
    ])


def cancel_pending_reminders(session: Session, pair: Pair) -> int:
    """Skip queued reminders a logged contact has made pointless."""
    conditions = [and_(OutboxMessage.subject == "contact",
                       OutboxMessage.key.notlike(f"%:{pair.next_contact_due}:%"))]
    if pair.next_visit_due:
        conditions.append(and_(OutboxMessage.subject == "visit",
                               OutboxMessage.key.notlike(f"%:{pair.next_visit_due}:%")))
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.pair_id == pair.id, OutboxMessage.status == "queued",
               or_(*conditions))
        .values(status="skipped", reason="a contact was logged")
        .execution_options(synchronize_session=False)).rowcount
