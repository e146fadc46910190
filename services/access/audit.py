"""Writing and reading the audit log (Provisions on the Cyber Protection of Children's
Personal Information: an audit of who touched what).

Every view, change, export, import and reveal of a child's record, every vetting
decision and every pair approval writes one row. Rows are never changed or deleted:
the database refuses it (triggers), and the app has no path that tries.
"""

from contextvars import ContextVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import now
from models import AuditEntry, User
from services.shared.bulk import insert_rows

#: The client address of the request being served; the web layer sets it per request.
client_ip: ContextVar[str] = ContextVar("client_ip", default="")


def record(session: Session, actor: User | None, action: str, record_type: str,
           record_id: int | None, **detail) -> None:
    """Append one audit row in the caller's transaction."""
    session.add(AuditEntry(actor_id=actor.id if actor else None,
                           actor_role=actor.role if actor else "system", action=action,
                           record_type=record_type, record_id=record_id, ip=client_ip.get(),
                           detail=detail))


def record_many(session: Session, actor: User | None, action: str, record_type: str,
                record_ids, **detail) -> None:
    """One row per record with the same detail, written in one statement (every child
    shown on a list page; the thousands of volunteers a vetted ledger import vets)."""
    at = now()
    insert_rows(session, AuditEntry.__table__, [
        {"at": at, "actor_id": actor.id if actor else None,
         "actor_role": actor.role if actor else "system", "action": action,
         "record_type": record_type, "record_id": record_id, "ip": client_ip.get(),
         "detail": detail} for record_id in record_ids])


def history(session: Session, record_type: str, record_id: int, limit: int = 500):
    """A record's access history, newest first."""
    return session.execute(
        select(AuditEntry).where(AuditEntry.record_type == record_type,
                                 AuditEntry.record_id == record_id)
        .order_by(AuditEntry.id.desc()).limit(limit)).scalars().all()
