"""The audit log: who touched which record, when, from where. Append-only."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from models.base import Base


class AuditEntry(Base):
    """One access or change. The database refuses UPDATE and DELETE on this table."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index(None, "record_type", "record_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                 index=True)
    actor_role: Mapped[str] = mapped_column(String(16), default="")
    #: e.g. child.view, child.update, child.reveal_id, volunteer.vet, pair.approve.
    action: Mapped[str] = mapped_column(String(32), index=True)
    record_type: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int | None]
    #: The client address (web or API); empty for jobs and commands.
    ip: Mapped[str] = mapped_column(String(64), default="")
    #: Small facts about the action (counts, new status); never personal data.
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.record_type}:{self.record_id}>"
