"""Ledger imports: one row per file imported, for the record and for progress."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from services.clock import now


class ImportJob(Base):
    """One import of a children or volunteers ledger."""

    __tablename__ = "import_jobs"
    __table_args__ = (
        CheckConstraint("kind IN ('children', 'volunteers')", name="kind"),
        CheckConstraint("status IN ('running', 'done', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="running")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                 index=True)
    rows: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    #: Imported as vetted (volunteers only; the importer is recorded as the checker).
    vetted: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(default=now)
    finished_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<ImportJob {self.id} {self.kind} {self.status}>"


class FormSubmission(Base):
    """A form already sent: a double click or a resent page cannot create a record twice."""

    __tablename__ = "form_submissions"

    #: The one-time token the form carried (random, made when the page was shown).
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
