"""Limits on sending: a daily cap per number and a rate limit per provider.

Daily cap (``SMS_DAILY_CAP``, default 5), counted per number (``to_phone_hash``) over the
local (Asia/Shanghai) day, by the messages claimed that day that went to a provider
(sending, sent, delivered or unknown). Three kinds of message, each counted on its own so
that none starves the others:
- mandatory: concern alerts (强制报告) are never held and never counted;
- codes: one-time codes; past the cap a code is skipped, not held (tomorrow it is useless,
  and the cap is what stops a number being flooded with codes);
- routine: everything else; past the cap a message waits for the next local day, after
  quiet hours.
Two workers sending to one number at once each count the other's claimed ("sending")
message, so the cap is never exceeded (at worst both wait).

Rate limit per provider (``SMS_<PROVIDER>_RATE_LIMIT``, e.g. "10/second;300/minute"): a
moving window in Redis when REDIS_URL is set, so every worker shares it, otherwise in the
worker's memory.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as day_time

import limits
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.clock import LOCAL_TZ
from models import OutboxMessage
from services.sms.providers import ConfigurationError

log = logging.getLogger(__name__)

DEFAULT_DAILY_CAP = 5
MANDATORY_TEMPLATES = frozenset({"concern_raised", "case_immediate_danger",
                                 "case_danger_local_contact", "case_unacknowledged"})
CODE_TEMPLATES = frozenset({"verification_code"})
#: Statuses of messages that went (or may have gone) to a provider.
COUNTED_STATUSES = ("sending", "sent", "delivered", "unknown")


def cap_kind(template: str) -> str:
    if template in MANDATORY_TEMPLATES:
        return "mandatory"
    return "code" if template in CODE_TEMPLATES else "routine"


def local_day(moment: datetime) -> tuple[datetime, datetime]:
    """The start and end (UTC) of the Asia/Shanghai day that holds ``moment``."""
    start = datetime.combine(moment.astimezone(LOCAL_TZ).date(), day_time(), LOCAL_TZ)
    return start.astimezone(moment.tzinfo), (start + timedelta(days=1)).astimezone(
        moment.tzinfo)


def sent_today(session: Session, message: OutboxMessage, moment: datetime) -> int:
    """Messages of the same kind claimed for the same number today, this one left out."""
    start, end = local_day(moment)
    kind = cap_kind(message.template)
    same_kind = OutboxMessage.template.in_(CODE_TEMPLATES) if kind == "code" else \
        OutboxMessage.template.not_in(CODE_TEMPLATES | MANDATORY_TEMPLATES)
    return session.execute(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.to_phone_hash == message.to_phone_hash,
        OutboxMessage.id != message.id, same_kind,
        OutboxMessage.status.in_(COUNTED_STATUSES),
        OutboxMessage.claimed_at >= start, OutboxMessage.claimed_at < end)).scalar_one()


@dataclass(frozen=True)
class CapDecision:
    action: str  # "send", "hold" (until the next day) or "skip"
    reason: str = ""


def check_daily_cap(session: Session, message: OutboxMessage, moment: datetime,
                    cap: int) -> CapDecision:
    kind = cap_kind(message.template)
    if kind == "mandatory" or sent_today(session, message, moment) < cap:
        return CapDecision("send")
    if kind == "code":
        return CapDecision("skip", f"daily limit of {cap} codes for this number reached")
    return CapDecision("hold", f"daily limit of {cap} SMS for this number reached; "
                               "waits for the next day")


def next_day(moment: datetime) -> datetime:
    """The start (UTC) of the local day after ``moment``'s."""
    return local_day(moment)[1]


class RateLimits:
    """Per-provider rate limits over one storage (Redis or this process's memory)."""

    def __init__(self, storage_uri: str = "memory://"):
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self.items: dict[str, list] = {}

    def set(self, provider: str, spec: str | None) -> None:
        """Limit ``provider`` to ``spec`` ("10/second;300/minute"); empty means no limit."""
        if not spec:
            self.items.pop(provider, None)
            return
        try:
            self.items[provider] = limits.parse_many(spec)
        except ValueError:
            raise ConfigurationError(f"SMS rate limit for {provider!r} is not like "
                                     "'10/second' or '300 per minute'") from None

    def acquire(self, provider: str) -> bool:
        """Take one send from every window of the provider; False if one is full, or if
        the limit cannot be checked (storage down): then nothing is sent and it waits."""
        try:
            return all(self.limiter.hit(item, "sms", provider)
                       for item in self.items.get(provider, ()))
        except Exception as exc:  # the storage's own errors (Redis down, timeouts)
            log.warning("SMS rate limit of %s cannot be checked (%s); holding messages",
                        provider, type(exc).__name__)
            return False

    def seconds_until_free(self, provider: str) -> float:
        """How long until the provider's full windows have room again (0 if they have)."""
        waits = [0.0]
        try:
            for item in self.items.get(provider, ()):
                stats = self.limiter.get_window_stats(item, "sms", provider)
                if stats.remaining <= 0:
                    waits.append(max(0.0, stats.reset_time - time.time()))
        except Exception:  # storage down: try again in a second
            waits.append(1.0)
        return max(waits)


_SHARED: dict[str, RateLimits] = {}


def shared_rate_limits(storage_uri: str) -> RateLimits:
    """One RateLimits per storage in this process, so memory windows outlive a send run."""
    if storage_uri not in _SHARED:
        _SHARED[storage_uri] = RateLimits(storage_uri)
    return _SHARED[storage_uri]
