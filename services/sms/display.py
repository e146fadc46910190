"""What the outbox page shows of a message: its text as sent and why it waits.

The text is the template filled with the message's parameters, secrets blanked (a
one-time code never reaches the page). The reason is an English message id marked with
``N_`` plus its values, so the page says "免打扰时段，08:00 发送" or "今日已达上限，明天发送"
instead of a code. A provider's own error text, which we cannot translate, is shown after
"服务商回复".
"""

import string
from datetime import UTC, datetime

from core.clock import LOCAL_TZ
from services.shared.taxonomy import N_
from services.sms.templates import REDACTED, SECRET_PARAMS, TEMPLATES

#: Reasons the sender writes, in words.
KNOWN_REASONS: dict[str, str] = {
    "opted out (reply)": N_("The recipient replied T to stop SMS"),
    "opted out (coordinator)": N_("A coordinator stopped SMS to this number"),
    "guardian consent withdrawn": N_("The guardian withdrew consent"),
    "recipient account disabled": N_("The recipient's account is disabled"),
    "the pair ended": N_("The pair ended"),
    "a contact was logged": N_("A contact was logged, so the reminder is not needed"),
}
DAILY_LIMIT_CODES = N_("Daily limit of codes for this number reached; not sent")
DAILY_LIMIT_WAITS = N_("Daily limit reached; sends tomorrow")
QUIET_HOURS = N_("Quiet hours; sends at %(time)s")
RETRY = N_("Not sent yet; tries again at %(time)s")
WAITING = N_("Waiting to be sent")
PROVIDER_SAID = N_("The provider answered: %(error)s")


class _Blank(dict):
    def __missing__(self, key):
        return "…"


def message_text(template: str, params: dict) -> str:
    """The message as the recipient reads it, with secrets blanked."""
    found = TEMPLATES.get(template)
    if found is None:
        return ""
    secret = SECRET_PARAMS.get(template, ())
    values = _Blank({k: REDACTED if k in secret else v for k, v in (params or {}).items()})
    return string.Formatter().vformat(found.text, (), values)


def why(status: str, reason: str, not_before: datetime | None,
        moment: datetime) -> tuple[str, dict] | None:
    """Why a message waits, was skipped or failed, as (message id, values); None if sent."""
    reason = reason or ""
    if reason in KNOWN_REASONS:
        return KNOWN_REASONS[reason], {}
    if reason.startswith("daily limit"):
        return (DAILY_LIMIT_CODES if "codes" in reason else DAILY_LIMIT_WAITS), {}
    if status == "queued":
        later = not_before is not None and _aware(not_before) > moment
        local = _aware(not_before).astimezone(LOCAL_TZ).strftime("%H:%M") if later else ""
        if later and not reason:
            return QUIET_HOURS, {"time": local}
        if later:
            return RETRY, {"time": local}
        return WAITING, {}
    if reason:
        return PROVIDER_SAID, {"error": reason}
    return None


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC times; PostgreSQL aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
