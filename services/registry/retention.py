"""Retention: personal data is kept no longer than the programme needs it (PIPL art. 19).

- A child who left the programme is anonymised ``years`` after the later of the day
  they left and the day their last pair ended: name, ID number, guardian, location,
  school, notes, consent signatures, their contact-log notes, feedback comments, their
  own local welfare contact and the SMS sent about them are cleared; the record stays,
  without identity, for the programme's statistics.
- A rejected volunteer application (and its account) is deleted ``rejected_days``
  after the rejection.
Both are written to the audit log as the system's doing.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from core.clock import LOCAL_TZ, now
from models import (
    BackgroundCheck,
    Child,
    ConsentRecord,
    ContactLog,
    OutboxMessage,
    Pair,
    PairFeedback,
    User,
    Volunteer,
    WelfareContact,
)
from services.access import audit

log = logging.getLogger(__name__)
ANONYMOUS = "已匿名"


def children_due(session: Session, moment: datetime, years: int) -> list[int]:
    """Ids of children whose retention period has passed and who are not anonymised."""
    cutoff = (moment.astimezone(LOCAL_TZ) - timedelta(days=365 * years)).date()
    last_pair_end = (select(func.max(Pair.ended_at)).where(Pair.child_id == Child.id)
                     .scalar_subquery())
    active = select(Pair.id).where(Pair.child_id == Child.id, Pair.status == "active").exists()
    candidates = session.execute(
        select(Child.id, last_pair_end).where(
            Child.left_programme_on.is_not(None), Child.left_programme_on <= cutoff,
            Child.anonymised_at.is_(None), ~active)).all()
    return [child_id for child_id, ended in candidates
            if ended is None or ended.astimezone(LOCAL_TZ).date() <= cutoff]


def anonymise_children(session: Session, child_ids: list[int]) -> None:
    """Remove every personal detail of these children, keeping the anonymous record."""
    if not child_ids:
        return
    session.execute(update(Child).where(Child.id.in_(child_ids)).values(
        name=ANONYMOUS, external_id=None, guardian_name="", guardian_relation="",
        guardian_phone="", guardian_phone_hash="", id_number_encrypted=None,
        id_number_tail=None, id_number_hash=None, pinyin_key_hash=None, township="",
        latitude=None, longitude=None, school="", notes="", left_reason="",
        anonymised_at=now()).execution_options(synchronize_session=False))
    session.execute(update(ConsentRecord).where(ConsentRecord.child_id.in_(child_ids))
                    .values(given_by="").execution_options(synchronize_session=False))
    pair_ids = select(Pair.id).where(Pair.child_id.in_(child_ids))
    session.execute(update(ContactLog).where(ContactLog.pair_id.in_(pair_ids))
                    .values(notes="").execution_options(synchronize_session=False))
    session.execute(update(PairFeedback).where(PairFeedback.pair_id.in_(pair_ids))
                    .values(comment="").execution_options(synchronize_session=False))
    # The child's own local welfare contact names a person close to the child.
    session.execute(delete(WelfareContact).where(WelfareContact.child_id.in_(child_ids)))
    session.execute(update(OutboxMessage).where(OutboxMessage.child_id.in_(child_ids))
                    .values(to_phone="", to_phone_hash="", params={})
                    .execution_options(synchronize_session=False))
    for child_id in child_ids:
        audit.record(session, None, "child.anonymise", "child", child_id)


def delete_rejected_applications(session: Session, moment: datetime, days: int) -> int:
    """Delete volunteer applications rejected more than ``days`` ago, and their accounts."""
    rows = session.execute(select(Volunteer.id, Volunteer.user_id).where(
        Volunteer.status == "rejected",
        Volunteer.status_changed_at < moment - timedelta(days=days))).all()
    volunteer_ids = [v for v, _ in rows]
    if not volunteer_ids:
        return 0
    session.execute(delete(BackgroundCheck).where(
        BackgroundCheck.volunteer_id.in_(volunteer_ids)))
    session.execute(delete(Volunteer).where(Volunteer.id.in_(volunteer_ids)))
    user_ids = [u for _, u in rows if u]
    if user_ids:
        session.execute(delete(User).where(User.id.in_(user_ids), User.role == "volunteer"))
    for volunteer_id in volunteer_ids:
        audit.record(session, None, "volunteer.delete", "volunteer", volunteer_id,
                     reason="rejected application past retention")
    return len(volunteer_ids)


def run(session: Session, moment: datetime, years: int, rejected_days: int) -> dict:
    """One retention pass; safe to run any number of times."""
    due = children_due(session, moment, years)
    anonymise_children(session, due)
    deleted = delete_rejected_applications(session, moment, rejected_days)
    session.flush()
    log.info("retention: %s children anonymised, %s rejected applications deleted",
             len(due), deleted)
    return {"children_anonymised": len(due), "applications_deleted": deleted}
