"""What a claimed batch needs before its first send, read in a few queries.

Sending one message must cost little more than the provider call and the commit of its
outcome, so everything the sender checks is read once per batch rather than per message:
the rows themselves, opt-outs (by number), guardian consent (by child), disabled
recipients (by account) and the daily-cap counts (services.sms.limits). The batch is
claimed, so no other worker changes these rows meanwhile; an opt-out, a withdrawal or a
disabled account that arrives while the batch is being sent (a fraction of a second)
applies from the next batch on.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ConsentRecord, OptOut, OutboxMessage, User
from services.sms.templates import ROUTINE

#: The columns the sender reads; written back with one UPDATE per outcome.
COLUMNS = ("id", "key", "template", "priority", "audience", "to_phone", "to_phone_hash",
           "recipient_user_id", "child_id", "params", "attempts", "not_before",
           "provider_attempts", "claim_token")


@dataclass(slots=True)
class Pending:
    """A claimed message as the sender needs it (a plain row, not an ORM object)."""

    id: int
    key: str
    template: str
    priority: int
    audience: str
    to_phone: str
    to_phone_hash: str
    recipient_user_id: int | None
    child_id: int | None
    params: dict
    attempts: int
    not_before: datetime
    provider_attempts: list | None
    claim_token: str | None
    #: Why it is not sent at all ("" to send it): see skip_reasons.
    skip: str = ""


def load(session: Session, message_ids: list[int]) -> list[Pending]:
    """The claimed messages, in the order of ``message_ids`` (the send order), each with
    its skip reason."""
    columns = [getattr(OutboxMessage, name) for name in COLUMNS]
    found = {row.id: Pending(*row) for row in session.execute(
        select(*columns).where(OutboxMessage.id.in_(message_ids)))}
    pending = [found[i] for i in message_ids if i in found]
    for message, reason in zip(pending, skip_reasons(session, pending), strict=True):
        message.skip = reason
    return pending


def skip_reasons(session: Session, messages: list[Pending]) -> list[str]:
    """Why each message is not sent at all ("" to send it). An opt-out holds back only
    routine messages: a concern alert, an escalation or a code the person asked for is
    always sent (a disabled account or withdrawn consent still stops anything)."""
    routine_numbers = {m.to_phone_hash for m in messages if m.priority == ROUTINE}
    opted_out = dict(session.execute(
        select(OptOut.phone_hash, OptOut.source)
        .where(OptOut.phone_hash.in_(routine_numbers))).all()) if routine_numbers else {}
    children = {m.child_id for m in messages if _needs_consent(m)}
    consented = set(session.execute(
        select(ConsentRecord.child_id).distinct()
        .where(ConsentRecord.child_id.in_(children), ConsentRecord.withdrawn_at.is_(None))
    ).scalars()) if children else set()
    users = {m.recipient_user_id for m in messages if m.recipient_user_id}
    disabled = set(session.execute(
        select(User.id).where(User.id.in_(users), User.active.is_(False))
    ).scalars()) if users else set()
    reasons = []
    for message in messages:
        source = opted_out.get(message.to_phone_hash) if message.priority == ROUTINE else None
        if source:
            reasons.append(f"opted out ({source})")
        elif _needs_consent(message) and message.child_id not in consented:
            reasons.append("guardian consent withdrawn")
        elif message.recipient_user_id in disabled:
            reasons.append("recipient account disabled")
        else:
            reasons.append("")
    return reasons


def _needs_consent(message: Pending) -> bool:
    """About a child, to a volunteer or guardian: sent only while consent holds."""
    return bool(message.child_id) and message.audience in ("volunteer", "guardian")
