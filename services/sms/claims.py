"""Claiming due outbox messages in batches, and recovering a batch whose worker died.

A worker claims up to ``n`` due messages in one statement (``FOR UPDATE SKIP LOCKED LIMIT
n`` on PostgreSQL, so any number of workers share the queue without waiting on each
other): the most urgent priority class first, then the earliest due, then the first
queued. The batch is committed as ``sending`` with one claim token before any provider
is called. The worker then sends the batch in that same order and commits each outcome
before the next send, so at any moment at most one message of a batch has been handed to
a provider without its outcome on disk.

A worker killed mid-batch therefore leaves, per claim token, one message that may have
gone out (the first still ``sending`` in send order: marked ``unknown``, never resent)
and others that were never tried (back to ``queued``, sent later exactly once).
"""

import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import OutboxMessage

SEND_ORDER = (OutboxMessage.priority, OutboxMessage.not_before, OutboxMessage.id)


def claim_batch(session: Session, moment: datetime, size: int,
                priorities: tuple[int, ...]) -> list[int]:
    """Mark up to ``size`` due messages ``sending``; their ids in send order."""
    token = secrets.token_hex(8)
    due = (select(OutboxMessage.id)
           .where(OutboxMessage.status == "queued", OutboxMessage.not_before <= moment,
                  OutboxMessage.priority.in_(priorities))
           .order_by(*SEND_ORDER).limit(size)
           .with_for_update(skip_locked=True))
    claimed = session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(status="sending", attempts=OutboxMessage.attempts + 1, claimed_at=moment,
                claim_token=token)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)).scalars().all()
    if not claimed:
        return []
    return session.execute(select(OutboxMessage.id).where(OutboxMessage.id.in_(claimed))
                           .order_by(*SEND_ORDER)).scalars().all()


def release(session: Session, message_ids: list[int]) -> None:
    """Put claimed messages that were not tried back in the queue, attempt not used."""
    if message_ids:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == "sending")
            .values(status="queued", attempts=OutboxMessage.attempts - 1, claim_token=None)
            .execution_options(synchronize_session=False))


def recover_interrupted(session: Session, before: datetime) -> int:
    """Messages ``sending`` since before ``before`` lost their worker: per claim, the first
    in send order becomes ``unknown`` (it may have been sent), the rest are queued again.
    Returns how many were marked unknown."""
    stale = session.execute(
        select(OutboxMessage.id, OutboxMessage.claim_token)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < before)
        .order_by(OutboxMessage.claim_token, *SEND_ORDER)
        .with_for_update(skip_locked=True)).all()
    unknown, untried, seen = [], [], set()
    for message_id, token in stale:
        # A row without a token was claimed alone (before batches): it may have been sent.
        if token is None or token not in seen:
            unknown.append(message_id)
            seen.add(token)
        else:
            untried.append(message_id)
    if unknown:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(unknown))
            .values(status="unknown", reason="interrupted while sending; check with the provider")
            .execution_options(synchronize_session=False))
    release(session, untried)
    return len(unknown)
