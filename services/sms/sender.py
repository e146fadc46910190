"""Sending the outbox, exactly once, and applying what providers report back.

Workers claim due rows in batches, most urgent class first (services.sms.claims), commit
them as ``sending`` before calling a provider, then record each outcome before the next
send. A crash leaves at most one message per batch that may have gone out; the sweep
marks it ``unknown`` for reconciliation (never resent) and queues the untried rest again.
Rate-limited or unreachable providers (nothing was accepted) are retried with back-off;
ambiguous failures (the request may have been accepted) become ``unknown``.

Several providers are tried in order (services.sms.failover); each routine message is
checked against the per-number daily cap (services.sms.limits) before any provider is
called. What those checks need is read once per batch (services.sms.batch), so a message
costs its provider call and one UPDATE and commit of its outcome.
"""

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from core.clock import now
from core.crypto import lookup_hash
from models import OptOut, OutboxMessage, User
from services.settings import get_settings
from services.sms import batch
from services.sms.batch import Pending
from services.sms.claims import claim_batch, outcomes_may_lag, release
from services.sms.failover import ProviderChain, as_chain
from services.sms.limits import COUNTED_STATUSES, DEFAULT_DAILY_CAP, DailyCap, next_day
from services.sms.outbox import after_quiet_hours, skip_queued
from services.sms.providers import Message
from services.sms.templates import INTERACTIVE, MANDATORY, ROUTINE, SECRET_PARAMS, redacted

log = logging.getLogger(__name__)

#: Waits before retry n (1-based); after the last one the message has failed.
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15),
               timedelta(hours=1))
#: Statuses a delivery receipt may still change; a receipt never moves a status back.
RECEIPT_MAY_CHANGE = ("sending", "sent", "unknown")
#: Messages claimed at once by one worker.
DEFAULT_BATCH = 100
#: Every class, most urgent first (a routine sender also sends what the priority lane has
#: not reached yet).
PRIORITY_ORDER = (MANDATORY, INTERACTIVE, ROUTINE)
#: One outcome written: a plain UPDATE built once, its SET clause the columns given (no
#: ORM object to load, track or flush, and no statement to build, per message).
WRITE_OUTCOME = OutboxMessage.__table__.update().where(
    OutboxMessage.__table__.c.id == bindparam("message_id"))
OPT_OUT_WORDS = {"T", "TD", "N", "STOP", "退订", "退订短信", "取消"}


def claim_next(session: Session, moment: datetime,
               priorities: tuple[int, ...] = PRIORITY_ORDER) -> int | None:
    """Mark the next due message ``sending`` and return its id (None when none is due)."""
    claimed = claim_batch(session, moment, 1, priorities)
    return claimed[0] if claimed else None


def _held(message: Pending, until: datetime, reason: str) -> dict:
    """Back to the queue without using up an attempt (nothing was sent)."""
    return {"status": "queued", "reason": reason, "not_before": until,
            "attempts": message.attempts - 1}


class _Batch:
    """One claimed batch being sent: its rows and checks read at once (services.sms.batch),
    then one provider call and one UPDATE per message."""

    def __init__(self, session: Session, message_ids: list[int], chain: ProviderChain,
                 moment: datetime, daily_cap: int):
        self.session, self.chain, self.moment = session, chain, moment
        self.messages = batch.load(session, message_ids)
        self.cap = DailyCap(session, self.messages, moment, daily_cap)
        self._quiet = None

    def deliver(self, message: Pending) -> str:
        """Send one message and write what happened (the caller commits); returns the new
        status, or "held" (daily cap: queued for the next day) or "throttled" (every
        provider at its rate limit: queued, still due)."""
        status, values = self._outcome(message)
        if values["status"] in COUNTED_STATUSES:
            self.cap.count(message)
        if values["status"] != "queued" and message.template in SECRET_PARAMS:
            values["params"] = redacted(message.template, message.params)
        self.session.execute(WRITE_OUTCOME, {"message_id": message.id, **values})
        return status

    def _outcome(self, message: Pending) -> tuple[str, dict]:
        if message.skip:
            return "skipped", {"status": "skipped", "reason": message.skip}
        cap = self.cap.check(message)
        if cap.action == "skip":
            return "skipped", {"status": "skipped", "reason": cap.reason}
        if cap.action == "hold":
            if self._quiet is None:  # plain values: each commit expires the settings row
                settings = get_settings(self.session)
                self._quiet = (settings.quiet_start, settings.quiet_end)
            return "held", _held(message, after_quiet_hours(next_day(self.moment),
                                                            *self._quiet), cap.reason)
        outcome = self.chain.send(Message(key=message.key, to=message.to_phone,
                                          template=message.template,
                                          params=dict(message.params)))
        values = {"provider_attempts": [*(message.provider_attempts or []),
                                        *outcome.attempts]}
        if outcome.provider:
            values["provider"] = outcome.provider
        if outcome.status == "sent":
            values.update(status="sent", sent_at=now(),
                          provider_message_id=outcome.provider_message_id, reason="")
        elif outcome.status == "throttled":
            return "throttled", {**values, **_held(message, message.not_before, outcome.error)}
        elif outcome.status == "retry" and message.attempts <= len(RETRY_AFTER):
            values.update(status="queued", reason=outcome.error,
                          not_before=self.moment + RETRY_AFTER[message.attempts - 1])
        elif outcome.status == "unknown":
            values.update(status="unknown", reason=outcome.error)
        else:
            values.update(status="failed", reason=outcome.error)
        return values["status"], values


def deliver(session: Session, message_id: int, providers, moment: datetime,
            daily_cap: int = DEFAULT_DAILY_CAP) -> str:
    """Send one claimed message and record what happened (the caller commits); returns
    the new status, or "held" or "throttled" (see _Batch.deliver)."""
    one = _Batch(session, [message_id], as_chain(providers), moment, daily_cap)
    return one.deliver(one.messages[0])


def send_due(session: Session, providers, moment: datetime | None,
             commit: Callable[[], None], limit: int = 1000,
             daily_cap: int = DEFAULT_DAILY_CAP, max_wait: float = 30.0,
             sleep: Callable[[float], None] = time.sleep,
             priorities: tuple[int, ...] = PRIORITY_ORDER,
             batch_size: int = DEFAULT_BATCH, lag_outcomes: bool = False) -> dict:
    """Send due messages of the given classes, most urgent first, until none is due or
    ``limit`` is reached; claims ``batch_size`` at a time (services.sms.claims).

    ``moment`` None means the clock's time, read again for every batch, so a message
    queued while the run goes on (a concern alert) is due for its next claim.
    ``providers`` is a ProviderChain (or one backend). When every provider is at its rate
    limit, the rest of the batch goes back to the queue and the run waits for room (at
    most ``max_wait`` seconds in all, then stops: the rest stays queued for the next run).
    With ``lag_outcomes`` (a run on a connection of its own) every claim is flushed to disk
    before a provider is called and the outcomes may lag (services.sms.claims).
    """
    chain = as_chain(providers)
    counts: dict[str, int] = {}
    waited, handled = 0.0, 0
    while handled < limit:
        at = moment or now()
        if lag_outcomes:
            outcomes_may_lag(session, False)
        claimed = claim_batch(session, at, min(batch_size, limit - handled), priorities)
        commit()  # "sending" is on disk before any provider is called
        if lag_outcomes:
            outcomes_may_lag(session, True)
        if not claimed:
            break
        status, sending = "", _Batch(session, claimed, chain, at, daily_cap)
        for position, message in enumerate(sending.messages):
            status = sending.deliver(message)
            commit()  # each outcome is on disk before the next message is sent
            counts[status] = counts.get(status, 0) + 1
            handled += 1
            if status == "throttled":
                release(session, [m.id for m in sending.messages[position + 1:]])
                commit()
                break
        if status == "throttled":
            pause = min(max(chain.seconds_until_free(ROUTINE in priorities), 0.05), 1.0)
            if waited + pause > max_wait:
                break
            sleep(pause)
            waited += pause
    if counts:
        log.info("sms sent: %s", counts)
    return counts


def apply_receipts(session: Session, provider: str, receipts) -> int:
    """Apply delivery receipts idempotently; returns how many rows changed."""
    changed = 0
    for receipt in receipts:
        match = OutboxMessage.key == receipt.key if receipt.key else \
            OutboxMessage.provider_message_id == receipt.provider_message_id
        if receipt.key is None and receipt.provider_message_id is None:
            continue
        values = {"status": receipt.status, "reason": receipt.error or ""}
        if receipt.status == "delivered":
            values["delivered_at"] = now()
        changed += session.execute(
            update(OutboxMessage)
            .where(match, OutboxMessage.status.in_(RECEIPT_MAY_CHANGE))
            .values(**values).execution_options(synchronize_session=False)).rowcount
    log.info("%s receipts from %s applied, %s rows changed", len(receipts), provider, changed)
    return changed


def opt_out(session: Session, phone: str, source: str, actor: User | None = None,
            note: str = "") -> None:
    """Stop every SMS to ``phone``; queued ones are skipped at once."""
    digest = lookup_hash(phone)
    if session.execute(select(OptOut.id).where(OptOut.phone_hash == digest)).first() is None:
        session.add(OptOut(phone_hash=digest, source=source, note=note,
                           created_by_id=actor.id if actor else None))
    skip_queued(session, f"opted out ({source})", OutboxMessage.to_phone_hash == digest,
                OutboxMessage.priority == ROUTINE)
    session.flush()
    log.info("a number opted out (%s)", source)


def apply_reply(session: Session, phone: str, text: str) -> bool:
    """A reply of T (退订) opts the number out; other replies are ignored."""
    if (text or "").strip().upper() in OPT_OUT_WORDS:
        opt_out(session, phone, "reply")
        return True
    return False
