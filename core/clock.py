"""The one clock of the platform: UTC inside, Asia/Shanghai for people.

Tests and the ``--now`` options of the commands set it with :func:`frozen`.
"""

from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
_frozen: datetime | None = None


def now() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today_local() -> date:
    """Return today's date in Asia/Shanghai (ages and due dates are local dates)."""
    return now().astimezone(LOCAL_TZ).date()


def set_now(value: datetime | None) -> None:
    """Freeze the clock at ``value`` (timezone-aware), or unfreeze it with None."""
    global _frozen
    if value is not None and value.tzinfo is None:
        raise ValueError("the clock needs a timezone-aware datetime")
    _frozen = value.astimezone(UTC) if value else None


@contextmanager
def frozen(value: datetime):
    """Freeze the clock for the duration of a block."""
    previous = _frozen
    set_now(value)
    try:
        yield
    finally:
        set_now(previous)


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on ``day``."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)
