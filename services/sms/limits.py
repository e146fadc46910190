"""Limits on sending: a daily cap per number and a rate limit per provider.

Daily cap (``SMS_DAILY_CAP``, default 5), counted per number (``to_phone_hash``) over the
local (Asia/Shanghai) day, by the messages claimed that day that went to a provider
(sending, sent, delivered or unknown). Each priority class (services.sms.templates) is
counted on its own, so that none starves the others:
- mandatory (concern alerts, escalations): never held and never counted;
- interactive (one-time codes): past the cap a code is skipped, not held (tomorrow it is
  useless, and the cap is what stops a number being flooded with codes);
- routine: everything else; past the cap a message waits for the next local day, after
  quiet hours.
The counts are read once per claimed batch, after its claim is committed, and the batch's
own sends are added as it goes. Of two batches sending to one number at once, the one
read later therefore counts every message the other claimed ("sending" or already sent),
so the cap is never exceeded (at worst both wait).

Rate limit per provider (``SMS_<PROVIDER>_RATE_LIMIT``, e.g. "10/second;300/minute"): a
moving window in Redis when REDIS_URL is set, so every worker shares it, otherwise in the
worker's memory. Routine messages use at most ``SMS_ROUTINE_SHARE`` (default 0.8) of it,
so mandatory and interactive messages always find room.
"""

import logging
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as day_time

import limits
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.clock import LOCAL_TZ
from models import OutboxMessage
from services.sms.providers import ConfigurationError
from services.sms.templates import INTERACTIVE, MANDATORY

log = logging.getLogger(__name__)

DEFAULT_DAILY_CAP = 5
#: The part of each provider rate limit routine messages may use (SMS_ROUTINE_SHARE).
DEFAULT_ROUTINE_SHARE = 0.8
#: Statuses of messages that went (or may have gone) to a provider.
COUNTED_STATUSES = ("sending", "sent", "delivered", "unknown")


def local_day(moment: datetime) -> tuple[datetime, datetime]:
    """The start and end (UTC) of the Asia/Shanghai day that holds ``moment``."""
    start = datetime.combine(moment.astimezone(LOCAL_TZ).date(), day_time(), LOCAL_TZ)
    return start.astimezone(moment.tzinfo), (start + timedelta(days=1)).astimezone(
        moment.tzinfo)


def _kind(priority: int, template: str, phone_hash: str) -> tuple:
    # Interactive messages count per template: a family's application receipts never use
    # up the one-time codes it still needs.
    return phone_hash, priority, template if priority == INTERACTIVE else ""


def sent_today(session: Session, messages, moment: datetime) -> dict[tuple, int]:
    """Messages of each class claimed today for the numbers of a claimed batch (one
    query for the whole batch), keyed like ``DailyCap``; the batch's own untried messages
    are left out (another worker's claims count)."""
    numbers = {m.to_phone_hash for m in messages if m.priority != MANDATORY}
    if not numbers:
        return {}
    start, end = local_day(moment)
    token = next(iter(messages)).claim_token  # one claim, one token
    rows = session.execute(
        select(OutboxMessage.to_phone_hash, OutboxMessage.priority, OutboxMessage.template,
               func.count(OutboxMessage.id))
        .where(OutboxMessage.to_phone_hash.in_(numbers),
               OutboxMessage.priority != MANDATORY,
               OutboxMessage.status.in_(COUNTED_STATUSES),
               or_(OutboxMessage.status != "sending",
                   OutboxMessage.claim_token.is_distinct_from(token)),
               OutboxMessage.claimed_at >= start, OutboxMessage.claimed_at < end)
        .group_by(OutboxMessage.to_phone_hash, OutboxMessage.priority,
                  OutboxMessage.template)).all()
    counts: dict[tuple, int] = {}
    for phone_hash, priority, template, count in rows:
        kind = _kind(priority, template, phone_hash)
        counts[kind] = counts.get(kind, 0) + count
    return counts


@dataclass(frozen=True)
class CapDecision:
    action: str  # "send", "hold" (until the next day) or "skip"
    reason: str = ""


class DailyCap:
    """The daily cap over one claimed batch: counted once when the batch is loaded, then
    kept up to date by the sender (``count`` for each message that went to a provider)."""

    def __init__(self, session: Session, messages, moment: datetime, cap: int):
        self.cap = cap
        self.counts = sent_today(session, messages, moment) if messages else {}

    def check(self, message) -> CapDecision:
        if message.priority == MANDATORY or self.counts.get(
                _kind(message.priority, message.template, message.to_phone_hash), 0) < self.cap:
            return CapDecision("send")
        if message.priority == INTERACTIVE:
            return CapDecision("skip", f"daily limit of {self.cap} codes for this number reached")
        return CapDecision("hold", f"daily limit of {self.cap} SMS for this number reached; "
                                   "waits for the next day")

    def count(self, message) -> None:
        """``message`` went (or may have gone) to a provider."""
        if message.priority != MANDATORY:
            kind = _kind(message.priority, message.template, message.to_phone_hash)
            self.counts[kind] = self.counts.get(kind, 0) + 1


def next_day(moment: datetime) -> datetime:
    """The start (UTC) of the local day after ``moment``'s."""
    return local_day(moment)[1]


class RateLimits:
    """Per-provider rate limits over one storage (Redis or this process's memory).

    Routine messages may use only ``routine_share`` (default 80 %) of each window, so a
    concern alert or a one-time code always finds room even while the morning's reminders
    go out as fast as the provider allows; mandatory and interactive messages may use the
    whole window.
    """

    def __init__(self, storage_uri: str = "memory://",
                 routine_share: float = DEFAULT_ROUTINE_SHARE):
        if not 0 < routine_share <= 1:
            raise ConfigurationError("SMS_ROUTINE_SHARE must be more than 0 and at most 1")
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self.routine_share = routine_share
        self.items: dict[str, list] = {}
        self.routine_items: dict[str, list] = {}

    def set(self, provider: str, spec: str | None) -> None:
        """Limit ``provider`` to ``spec`` ("10/second;300/minute"); empty means no limit."""
        if not spec:
            self.items.pop(provider, None)
            self.routine_items.pop(provider, None)
            return
        try:
            self.items[provider] = limits.parse_many(spec)
        except ValueError:
            raise ConfigurationError(f"SMS rate limit for {provider!r} is not like "
                                     "'10/second' or '300 per minute'") from None
        self.routine_items[provider] = [
            type(item)(max(1, math.floor(item.amount * self.routine_share)), item.multiples)
            for item in self.items[provider]]

    def _windows(self, provider: str, routine: bool):
        yield from ((item, "sms") for item in self.items.get(provider, ()))
        if routine:
            yield from ((item, "sms-routine") for item in self.routine_items.get(provider, ()))

    def acquire(self, provider: str, routine: bool = False) -> bool:
        """Take one send from every window of the provider (a routine message also from
        its share); False if one is full, or if the limit cannot be checked (storage
        down): then nothing is sent and it waits."""
        try:
            windows = list(self._windows(provider, routine))
            # The routine share first: a full share must not use up the whole window.
            return all(self.limiter.hit(item, scope, provider)
                       for item, scope in reversed(windows))
        except Exception as exc:  # the storage's own errors (Redis down, timeouts)
            log.warning("SMS rate limit of %s cannot be checked (%s); holding messages",
                        provider, type(exc).__name__)
            return False

    def seconds_until_free(self, provider: str, routine: bool = False) -> float:
        """How long until the provider's full windows have room again (0 if they have)."""
        waits = [0.0]
        try:
            for item, scope in self._windows(provider, routine):
                stats = self.limiter.get_window_stats(item, scope, provider)
                if stats.remaining <= 0:
                    waits.append(max(0.0, stats.reset_time - time.time()))
        except Exception:  # storage down: try again in a second
            waits.append(1.0)
        return max(waits)


_SHARED: dict[tuple[str, float], RateLimits] = {}


def shared_rate_limits(storage_uri: str,
                       routine_share: float = DEFAULT_ROUTINE_SHARE) -> RateLimits:
    """One RateLimits per storage in this process, so memory windows outlive a send run."""
    key = (storage_uri, routine_share)
    if key not in _SHARED:
        _SHARED[key] = RateLimits(storage_uri, routine_share)
    return _SHARED[key]
