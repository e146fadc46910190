"""Background checks expire: validity, the 30-day warning, and ``recheck_needed``.

A recorded check of a no-criminal-record certificate counts for
``check_validity_months`` (a programme setting, 12 by default) from the day a
coordinator recorded it (or a vetted ledger import did). A volunteer is covered by
their latest check until its ``expires_on`` (that local date excluded).

The periodic pass (:func:`sweep`, Celery beat) does two things, both idempotent:

- ``WARNING_DAYS`` before expiry the volunteer gets one SMS, with an outbox key per
  (volunteer, expiry date), so repeated passes write it once; coordinators see the
  volunteer on their overview list of checks running out;
- on the expiry date a vetted volunteer becomes ``recheck_needed``: they get no new
  proposals (runs consider vetted volunteers only), their open proposals are withdrawn,
  and their active pairs are flagged on the coordinators' overview until a coordinator
  records a new check, which makes them ``vetted`` again (:func:`after_new_check`).
"""

import calendar
import logging
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.clock import LOCAL_TZ, now
from models import BackgroundCheck, Pair, Proposal, User, Volunteer
from services import notices
from services.access import audit, policy
from services.sms import outbox

log = logging.getLogger(__name__)

#: The volunteer is told this many days before their check expires.
WARNING_DAYS = 30
#: Why a volunteer became recheck_needed (kept in ``volunteers.status_reason``).
EXPIRED_REASON = "background check expired"


def months_later(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expiry_for(settings, checked_on: date) -> date:
    """When a check recorded on ``checked_on`` stops counting."""
    return months_later(checked_on, settings.check_validity_months)


def latest_expiry(volunteer: Volunteer) -> date | None:
    """When the volunteer's most recent check runs out (None: no check)."""
    return max((c.expires_on for c in volunteer.checks), default=None)


def has_current_check(volunteer: Volunteer, today: date) -> bool:
    expires_on = latest_expiry(volunteer)
    return expires_on is not None and expires_on > today


def after_new_check(session: Session, actor: User, volunteer: Volunteer,
                    check: BackgroundCheck, today: date) -> None:
    """A new, current check makes a ``recheck_needed`` volunteer vetted again."""
    if volunteer.status != "recheck_needed" or check.expires_on <= today:
        return
    volunteer.status, volunteer.status_reason = "vetted", ""
    volunteer.status_changed_at = now()
    session.flush()
    audit.record(session, actor, "volunteer.recheck", "volunteer", volunteer.id,
                 status="vetted")
    log.info("volunteer %s vetted again after a new check by user %s", volunteer.id, actor.id)


def _latest_expiries():
    return (select(BackgroundCheck.volunteer_id,
                   func.max(BackgroundCheck.expires_on).label("expires_on"))
            .group_by(BackgroundCheck.volunteer_id).subquery())


def sweep(session: Session, moment: datetime, settings) -> dict:
    """Queue the 30-day warnings and move expired volunteers to ``recheck_needed``."""

    today = moment.astimezone(LOCAL_TZ).date()
    latest = _latest_expiries()
    expiring = session.execute(
        select(Volunteer.id, Volunteer.phone, Volunteer.user_id, latest.c.expires_on)
        .join(latest, latest.c.volunteer_id == Volunteer.id)
        .where(Volunteer.status == "vetted", latest.c.expires_on > today,
               latest.c.expires_on <= today + timedelta(days=WARNING_DAYS))).all()
    not_before = outbox.after_quiet_hours(moment, settings.quiet_start, settings.quiet_end)
    outbox.queue(session, [
        outbox.message_row(f"volunteer:{volunteer_id}:check_expiring:{expires_on.isoformat()}",
                       "check_expiring", "check", "volunteer", phone, user_id=user_id,
                       not_before=not_before,
                       params={"expires_on": f"{expires_on.month}月{expires_on.day}日"})
        for volunteer_id, phone, user_id, expires_on in expiring])
    due = select(latest.c.volunteer_id).where(latest.c.expires_on <= today)
    # Only the rows this pass changed come back, so two passes at once audit each once.
    expired = sorted(session.execute(
        update(Volunteer).where(Volunteer.id.in_(due), Volunteer.status == "vetted")
        .values(status="recheck_needed", status_reason=EXPIRED_REASON,
                status_changed_at=moment)
        .returning(Volunteer.id)
        .execution_options(synchronize_session=False)).scalars())
    if expired:
        _tell_expired(session, expired, latest, not_before)
        withdraw_open_proposals(session, expired, moment)
        for volunteer_id in expired:
            audit.record(session, None, "volunteer.check_expired", "volunteer", volunteer_id,
                         status="recheck_needed")
    log.info("checks sweep at %s: %s warnings considered, %s volunteers need a recheck",
             moment.isoformat(), len(expiring), len(expired))
    return {"warned": len(expiring), "expired": len(expired)}


def _tell_expired(session: Session, volunteer_ids: list[int], latest, not_before) -> None:
    rows = session.execute(
        select(Volunteer.id, Volunteer.phone, Volunteer.user_id, latest.c.expires_on)
        .join(latest, latest.c.volunteer_id == Volunteer.id)
        .where(Volunteer.id.in_(volunteer_ids))).all()
    outbox.queue(session, [notices.check_expired_row(*row, not_before=not_before)
                           for row in rows])


def withdraw_open_proposals(session: Session, volunteer_ids: list[int],
                            moment: datetime) -> None:
    """Open proposals of volunteers who can no longer be paired are withdrawn."""
    session.execute(
        update(Proposal).where(Proposal.volunteer_id.in_(volunteer_ids),
                               Proposal.status == "open")
        .values(status="withdrawn", decided_at=moment)
        .execution_options(synchronize_session=False))


def volunteers_to_recheck(session: Session, user: User, today: date, limit: int = 100):
    """[(volunteer, expires_on)] in the user's counties: checks running out within
    ``WARNING_DAYS`` and volunteers already ``recheck_needed``, soonest first."""
    latest = _latest_expiries()
    stmt = (policy.scoped(session, user, Volunteer,
                          select(Volunteer, latest.c.expires_on))
            .join(latest, latest.c.volunteer_id == Volunteer.id)
            .where((Volunteer.status == "recheck_needed")
                   | ((Volunteer.status == "vetted")
                      & (latest.c.expires_on <= today + timedelta(days=WARNING_DAYS))))
            .order_by(latest.c.expires_on, Volunteer.id).limit(limit))
    return session.execute(stmt).tuples().all()


def flagged_pairs(session: Session, user: User, limit: int = 100) -> list[Pair]:
    """Active pairs in the user's counties whose volunteer needs a new check."""
    return list(session.execute(
        policy.scoped_pairs(session, user)
        .join(Volunteer, Volunteer.id == Pair.volunteer_id)
        .where(Pair.status == "active", Volunteer.status == "recheck_needed")
        .order_by(Pair.id).limit(limit)).scalars())
