"""Ledger imports: one row per file imported, for the record and for progress."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from models.base import Base


class ImportJob(Base):
    """One import of a children or volunteers ledger.

    A web upload is queued and run by a worker, which writes its progress here for the
    page that polls it; API and command-line imports run at once and start as running.
    """

    __tablename__ = "import_jobs"
    __table_args__ = (
        CheckConstraint("kind IN ('children', 'volunteers')", name="kind"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
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
    #: "queued", "checking" (rows read and checked), "saving", "done".
    phase: Mapped[str] = mapped_column(String(16), default="", server_default="")
    #: Share of the whole import done, 0 to 1.
    progress: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    #: Why a failed import wrote nothing: {"message", "params", "problems": [{"row",
    #: "column", "message", "params"}]}, message ids translated when shown.
    error: Mapped[dict | None] = mapped_column(JSON)
    #: Possible duplicates of a children import: [{"row", "external_id", "child_id"}].
    duplicates: Mapped[list | None] = mapped_column(JSON)
    #: What a finished import found: {"unchanged": rows equal to those on file,
    #: "matched_by": {rule: rows}, "extra_columns": [headers ignored]}.
    report: Mapped[dict | None] = mapped_column(JSON)
    #: The upload form's one-time token: a file sent twice (a double click) is one import.
    submission: Mapped[str | None] = mapped_column(String(64), unique=True)

    def __repr__(self) -> str:
        return f"<ImportJob {self.id} {self.kind} {self.status}>"


class ImportUpload(Base):
    """The file of a queued import, kept in the database so any worker can read it;
    deleted when the import ends (a refused one a day later, for its marked-up copy)."""

    __tablename__ = "import_uploads"

    job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"),
                                        primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=now)


class ImportColumnMapping(Base):
    """Which of a coordinator's ledger columns holds a field their headers do not name
    (chosen once on the import page, used for every later import of theirs)."""

    __tablename__ = "import_column_mappings"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "field"),
        CheckConstraint("kind IN ('children', 'volunteers')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    kind: Mapped[str] = mapped_column(String(16))
    field: Mapped[str] = mapped_column(String(32))
    #: The header as the ledger writes it.
    header: Mapped[str] = mapped_column(String(128))

    def __repr__(self) -> str:
        return f"<ImportColumnMapping {self.user_id} {self.kind} {self.field}={self.header!r}>"


class ImportComparison(Base):
    """Another department's list (比对), held between the comparison a coordinator reads
    and the import of the rows they choose; deleted after that import, when discarded,
    and a day after upload at the latest (services.imports.compare)."""

    __tablename__ = "import_comparisons"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=now, index=True)

    def __repr__(self) -> str:
        return f"<ImportComparison {self.id} user={self.actor_id}>"


class FormSubmission(Base):
    """A form already sent: a double click or a resent page cannot create a record twice."""

    __tablename__ = "form_submissions"

    #: The one-time token the form carried (random, made when the page was shown).
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
