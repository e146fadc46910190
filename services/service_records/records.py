"""Service time: which logged contacts count, confirming them, correcting them.

Rules:
- A contact or visit the volunteer logged with minutes counts as service time once a
  coordinator covering the child's county confirms it (one, or a whole month of a
  county at once). It counts once: ``service_records.contact_log_id`` is unique and a
  second confirmation is left out by the database.
- A coordinator may correct a confirmed record's minutes, always with a reason; the
  volunteer's logged minutes stay beside it and the change is audited.
- A volunteer sees only their own hours, per month (Asia/Shanghai dates) and in total.
"""

import logging
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.clock import now
from core.errors import DomainError, NotFound
from models import Child, ContactLog, Pair, ServiceRecord, User, Volunteer
from services.access import audit, policy
from services.shared.bulk import insert_rows
from services.shared.validation import Checker

log = logging.getLogger(__name__)


def _countable(session: Session, user: User, county: str | None, start: date | None,
               end: date | None):
    """Contacts with minutes, logged by the pair's own volunteer, in the user's scope."""
    stmt = (select(ContactLog, Volunteer.id.label("volunteer_id"), Volunteer.name,
                   Child.region_code)
            .join(Pair, Pair.id == ContactLog.pair_id)
            .join(Volunteer, Volunteer.id == Pair.volunteer_id)
            .join(Child, Child.id == Pair.child_id)
            .where(ContactLog.duration_minutes > 0,
                   ContactLog.logged_by_id == Volunteer.user_id))
    counties = policy.county_scope(session, user)
    if counties is not None:
        stmt = stmt.where(Child.region_code.in_(sorted(counties)))
    if county:
        stmt = stmt.where(Child.region_code == county)
    if start:
        stmt = stmt.where(ContactLog.contact_date >= start)
    if end:
        stmt = stmt.where(ContactLog.contact_date < end)
    return stmt


def waiting(session: Session, user: User, county: str | None, start: date, end: date):
    """Contacts not confirmed yet: [(contact, volunteer id, volunteer name, county)]."""
    stmt = _countable(session, user, county, start, end).where(
        ~select(ServiceRecord.id).where(ServiceRecord.contact_log_id == ContactLog.id)
        .exists()).order_by(ContactLog.contact_date, ContactLog.id)
    return session.execute(stmt).all()


def confirmed(session: Session, user: User, county: str | None, start: date, end: date):
    """Confirmed records in the user's scope: [(record, volunteer name)]."""
    stmt = (select(ServiceRecord, Volunteer.name)
            .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
            .where(ServiceRecord.service_date >= start, ServiceRecord.service_date < end))
    counties = policy.county_scope(session, user)
    if counties is not None:
        stmt = stmt.where(ServiceRecord.region_code.in_(sorted(counties)))
    if county:
        stmt = stmt.where(ServiceRecord.region_code == county)
    return session.execute(stmt.order_by(ServiceRecord.service_date, ServiceRecord.id)).all()


def _confirm_rows(session: Session, actor: User, rows) -> int:
    stamp = now()
    records = [{"contact_log_id": entry.id, "volunteer_id": volunteer_id,
                "region_code": county, "service_date": entry.contact_date,
                "content": entry.kind, "minutes": entry.duration_minutes,
                "logged_minutes": entry.duration_minutes, "confirmed_by_id": actor.id,
                "confirmed_at": stamp, "correction_reason": ""}
               for entry, volunteer_id, _, county in rows]
    before = session.execute(select(func.count(ServiceRecord.id))).scalar_one()
    insert_rows(session, ServiceRecord.__table__, records,
                ignore_conflicts_on="contact_log_id")
    added = session.execute(select(func.count(ServiceRecord.id))).scalar_one() - before
    return added


def confirm_one(session: Session, actor: User, contact_log_id: int) -> int:
    """Confirm one contact as service time; returns 1, or 0 when it already counts."""
    policy.require(actor, "service.confirm")
    rows = session.execute(_countable(session, actor, None, None, None)
                           .where(ContactLog.id == contact_log_id)).all()
    if not rows:
        raise NotFound()
    added = _confirm_rows(session, actor, rows)
    audit.record(session, actor, "service.confirm", "contact", contact_log_id)
    log.info("contact %s confirmed as service time by user %s", contact_log_id, actor.id)
    return added


def confirm_month(session: Session, actor: User, county: str, start: date, end: date) -> int:
    """Confirm every waiting contact of one county and month; returns how many."""
    policy.require(actor, "service.confirm")
    if not policy.covers_region(session, actor, county):
        raise NotFound()
    added = _confirm_rows(session, actor, waiting(session, actor, county, start, end))
    audit.record(session, actor, "service.confirm_month", "region", None, county=county,
                 month=start.strftime("%Y-%m"), records=added)
    log.info("%s contacts of %s %s confirmed by user %s", added, county,
             start.strftime("%Y-%m"), actor.id)
    return added


def correct(session: Session, actor: User, record_id: int, minutes, reason: str) -> None:
    """Change a confirmed record's minutes, with a reason (audited with both values)."""
    policy.require(actor, "service.confirm")
    record = session.get(ServiceRecord, record_id)
    if record is None or not policy.covers_region(session, actor, record.region_code):
        raise NotFound()
    c = Checker({"minutes": minutes, "reason": reason})
    value = c.integer("minutes", 0, 1440)
    why = c.text("reason", max_len=500)
    c.done()
    if value == record.minutes:
        raise DomainError("The minutes are unchanged; type the corrected number.")
    before = record.minutes
    record.minutes, record.correction_reason = value, why
    record.corrected_by_id, record.corrected_at = actor.id, now()
    session.flush()
    audit.record(session, actor, "service.correct", "service_record", record.id,
                 before=before, after=value, reason=why)
    log.info("service record %s corrected %s → %s by user %s", record.id, before, value,
             actor.id)


def hours_of(session: Session, volunteer_id: int) -> dict:
    """A volunteer's confirmed service: per month (newest first) and in total."""
    rows = session.execute(
        select(ServiceRecord.service_date, ServiceRecord.minutes, ServiceRecord.content)
        .where(ServiceRecord.volunteer_id == volunteer_id)
        .order_by(ServiceRecord.service_date)).all()
    months: dict[str, dict] = {}
    for day, minutes, _ in rows:
        month = months.setdefault(day.strftime("%Y-%m"), {"minutes": 0, "records": 0})
        month["minutes"] += minutes
        month["records"] += 1
    total = sum(m["minutes"] for m in months.values())
    return {"months": sorted(months.items(), reverse=True), "total_minutes": total,
            "records": len(rows), "first": rows[0][0] if rows else None,
            "last": rows[-1][0] if rows else None,
            "by_content": _by_content(rows)}


def _by_content(rows) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, _, content in rows:
        counts[content] = counts.get(content, 0) + 1
    return counts


def waiting_minutes(session: Session, volunteer_id: int) -> int:
    """Minutes the volunteer logged that wait for a coordinator's confirmation."""
    return session.execute(
        select(func.coalesce(func.sum(ContactLog.duration_minutes), 0))
        .join(Pair, Pair.id == ContactLog.pair_id)
        .join(Volunteer, Volunteer.id == Pair.volunteer_id)
        .where(Pair.volunteer_id == volunteer_id, ContactLog.duration_minutes > 0,
               ContactLog.logged_by_id == Volunteer.user_id,
               ~select(ServiceRecord.id).where(
                   ServiceRecord.contact_log_id == ContactLog.id).exists())).scalar_one()


def hours(minutes: int) -> str:
    """Minutes as hours with one decimal (95 → "1.6")."""
    return f"{minutes / 60:.1f}"
