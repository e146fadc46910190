"""The outbox: every text message is one row here before anything is sent.

Each row has a unique key per (subject, kind, due date, stage, recipient) and is inserted
with "on conflict do nothing", so a double beat or two sweeps at once are harmless.
Every row carries its template's priority class (services.sms.templates); a mandatory
message is due at once, whatever ``not_before`` the caller computed for quiet hours.
Nothing here sends (``services.sms.sender`` does).
"""

from datetime import datetime, time, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.orm import Session

from core.clock import LOCAL_TZ, now
from core.crypto import lookup_hash
from models import OutboxMessage, Pair
from services.shared.bulk import insert_rows
from services.sms.templates import MANDATORY, ROUTINE, priority_of


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


def message_row(key, template, subject, audience, phone, *, user_id=None, pair_id=None,
         child_id=None, concern_id=None, params=None, not_before=None):
    """One outbox row, queued; ``not_before`` defaults to now (and is now for mandatory
    messages: quiet hours never hold a concern alert or an escalation)."""
    stamp = now()
    priority = priority_of(template)
    if priority == MANDATORY or not_before is None:
        not_before = stamp
    return {"key": key, "template": template, "priority": priority, "subject": subject,
            "audience": audience,
            "to_phone": phone, "to_phone_hash": lookup_hash(phone),
            "recipient_user_id": user_id, "pair_id": pair_id,
            "child_id": child_id, "concern_id": concern_id, "params": params or {},
            "status": "queued", "reason": "", "attempts": 0, "not_before": not_before,
            "provider": "", "created_at": stamp}


#: Set in ``session.info`` when a mandatory or interactive message was queued: once the
#: transaction commits, the priority sender is woken (tasks.dispatch), never before.
PRIORITY_QUEUED = "sms_priority_queued"


def queue(session: Session, rows: list[dict]) -> None:
    """Insert outbox rows; a key already present is left as it is."""
    insert_rows(session, OutboxMessage.__table__, rows, ignore_conflicts_on="key")
    if any(row["priority"] < ROUTINE for row in rows):
        session.info[PRIORITY_QUEUED] = True


def skip_queued(session: Session, reason: str, *conditions) -> int:
    """Skip the still-queued messages that match ``conditions``; return how many.

    Messages already claimed or sent are never touched; ``reason`` is shown in the outbox.
    """
    return session.execute(
        update(OutboxMessage).where(OutboxMessage.status == "queued", *conditions)
        .values(status="skipped", reason=reason)
        .execution_options(synchronize_session=False)).rowcount


def cancel_pending_reminders(session: Session, pair: Pair) -> int:
    """Skip queued reminders a logged contact has made pointless."""
    conditions = [and_(OutboxMessage.subject == "contact",
                       OutboxMessage.key.notlike(f"%:{pair.next_contact_due}:%"))]
    if pair.next_visit_due:
        conditions.append(and_(OutboxMessage.subject == "visit",
                               OutboxMessage.key.notlike(f"%:{pair.next_visit_due}:%")))
    return skip_queued(session, "a contact was logged",
                       OutboxMessage.pair_id == pair.id, or_(*conditions))
