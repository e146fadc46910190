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

Outcomes that may lag (PostgreSQL).  A send run on its own connection may write its
outcomes with ``synchronous_commit`` off (``outcomes_may_lag``): an outcome's UPDATE then
returns before its WAL record is flushed, which saves a disk flush per message.  Such a
commit is lost only if the database server itself crashes (never when a worker dies: the
server still holds it and flushes it within a fraction of a second), and what is lost is
the last few outcomes in commit order.  The claim itself is always flushed before any
provider is called.  So after a server restart, any of a batch's messages still
``sending`` may have gone out: ``recover_interrupted`` marks every one of them
``unknown`` when the claim is older than the server's start, and keeps the rule above
otherwise.
"""

import secrets
from datetime import datetime

from sqlalchemy import Connection, select, text, update
from sqlalchemy.exc import DBAPIError
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


def outcomes_may_lag(session: Session, lag: bool) -> None:
    """On PostgreSQL, let the statements that follow on this connection return before
    their WAL is flushed (``lag``), or not.  Only for a send run's own connection, reset
    before it goes back to the pool (``stop_lagging``)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET synchronous_commit TO {'off' if lag else 'on'}"))


def stop_lagging(connection: Connection) -> None:
    """A send run's connection flushes every commit again before it goes back to the
    pool; one that cannot say so is thrown away instead."""
    if connection.dialect.name != "postgresql" or connection.invalidated:
        return
    try:
        connection.exec_driver_sql("RESET synchronous_commit")
    except DBAPIError:
        connection.invalidate()


def server_started_at(session: Session) -> datetime | None:
    """When the database server last started (PostgreSQL); None where commits never lag."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return session.execute(text("SELECT pg_postmaster_start_time()")).scalar_one()


def recover_interrupted(session: Session, before: datetime,
                        restarted_at: datetime | None = None) -> int:
    """Messages ``sending`` since before ``before`` lost their worker: per claim, the first
    in send order becomes ``unknown`` (it may have been sent), the rest are queued again.
    Every message of a claim older than the database server's start (``restarted_at``,
    read from the server when not given) becomes ``unknown``: outcomes written with
    ``outcomes_may_lag`` may have been lost in that restart.
    Returns how many were marked unknown."""
    if restarted_at is None:
        restarted_at = server_started_at(session)
    stale = session.execute(
        select(OutboxMessage.id, OutboxMessage.claim_token, OutboxMessage.claimed_at)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < before)
        .order_by(OutboxMessage.claim_token, *SEND_ORDER)
        .with_for_update(skip_locked=True)).all()
    unknown, untried, seen = [], [], set()
    for message_id, token, claimed_at in stale:
        # A row without a token was claimed alone (before batches): it may have been sent.
        if token is None or token not in seen or (
                restarted_at is not None and claimed_at < restarted_at):
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
