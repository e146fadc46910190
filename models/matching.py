"""Matching runs, the pairs they propose, and the pairs (结对) coordinators approve."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import now
from models.base import Base

RUN_STATUSES = ("queued", "running", "done", "failed")
RUN_PHASES = ("queued", "loading", "candidates", "solving", "saving", "done")


class MatchRun(Base):
    """One matching run over a region; the page polls this row for progress."""

    __tablename__ = "match_runs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        Index(None, "region_code", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The county, city or province the run covers.
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code",
                                                                   ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    phase: Mapped[str] = mapped_column(String(16), default="queued")
    #: 0.0 to 1.0 within the whole run.
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    #: Ages are counted on this local date.
    run_date: Mapped[date] = mapped_column(Date)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    #: Counts and timings: children, volunteers, candidates, proposed, seconds per phase.
    stats: Mapped[dict] = mapped_column(JSON, default=dict)
    #: What went wrong, for the coordinator (no stack trace).
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=now)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    #: Last sign of life from the worker; a running run that stops beating is failed.
    heartbeat_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<MatchRun {self.id} {self.region_code} {self.status}>"


class MatchRunPart(Base):
    """One share of a run's independent components, solved by whichever worker takes it.

    The part lists its children and volunteers; no candidate pair joins two parts, so each
    is solved exactly on its own. ``status`` turns to done in the transaction that saves
    the part's proposals, so a part delivered twice is saved once.
    """

    __tablename__ = "match_run_parts"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'done')", name="status"),
        UniqueConstraint("run_id", "part_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id", ondelete="CASCADE"))
    part_no: Mapped[int]
    child_ids: Mapped[list] = mapped_column(JSON)
    volunteer_ids: Mapped[list] = mapped_column(JSON)
    #: Candidate pairs in the part, for balancing and the run's statistics.
    candidates: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(8), default="queued")
    #: Seconds per phase on the worker that solved it.
    seconds: Mapped[dict] = mapped_column(JSON, default=dict)
    finished_at: Mapped[datetime | None]


class Proposal(Base):
    """A child-volunteer pair a run proposed, with the score parts a coordinator reviews."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'approved', 'rejected', 'withdrawn')",
                        name="status"),
        CheckConstraint("reject_cause IS NULL OR reject_cause IN ('too_far', 'needs_mismatch', "
                        "'volunteer_unsuitable', 'child_changed', 'other')",
                        name="reject_cause"),
        UniqueConstraint("run_id", "child_id"),
        Index(None, "run_id", "status"),
        Index(None, "child_id", "volunteer_id", "status"),
        Index(None, "volunteer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id", ondelete="CASCADE"))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"))
    distance_km: Mapped[float] = mapped_column(Float)
    quality: Mapped[float] = mapped_column(Float)
    need_score: Mapped[float] = mapped_column(Float)
    distance_score: Mapped[float] = mapped_column(Float)
    #: Need codes both share, ';'-joined.
    matched_needs: Mapped[str] = mapped_column(String(128))
    #: The child's priority when the run was made.
    priority: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="open")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    #: Why it was rejected, from services.pairs.history.REJECT_CAUSES; NULL unless rejected.
    reject_cause: Mapped[str | None] = mapped_column(String(24))

    run: Mapped[MatchRun] = relationship()
    child = relationship("Child")
    volunteer = relationship("Volunteer")

    def __repr__(self) -> str:
        return f"<Proposal {self.id} run={self.run_id} {self.status}>"


class UnpairedChild(Base):
    """A child a run could not pair, with the reason a coordinator can act on."""

    __tablename__ = "unpaired_children"
    __table_args__ = (UniqueConstraint("run_id", "child_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id", ondelete="CASCADE"))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"),
                                          index=True)
    #: One of services.matching.engine UNPAIRED_REASONS.
    reason: Mapped[str] = mapped_column(String(32))

    child = relationship("Child")


class Pair(Base):
    """An approved pair (结对) of a child and a caring parent; ended pairs stay as history.

    The database holds the two rules that must never break, whatever runs concurrently:
    a child has at most one active pair (a partial unique index), and a volunteer's
    active pairs never exceed their capacity (``volunteers.active_pairs`` with a CHECK).
    """

    __tablename__ = "pairs"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'ended')", name="status"),
        CheckConstraint(
            "end_cause IS NULL OR end_cause IN ('volunteer_withdrew', 'volunteer_suspended', "
            "'check_expired', 'other')", name="end_cause"),
        Index("uq_pairs_active_child", "child_id", unique=True,
              postgresql_where=text("status = 'active'"),
              sqlite_where=text("status = 'active'")),
        Index(None, "volunteer_id", "status"),
        Index("ix_pairs_contact_due", "next_contact_due",
              postgresql_where=text("status = 'active'"), sqlite_where=text("status = 'active'")),
        Index("ix_pairs_visit_due", "next_visit_due",
              postgresql_where=text("status = 'active'"), sqlite_where=text("status = 'active'")),
        #: The dashboard's weekly trend counts new pairs by approval time.
        Index(None, "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id",
                                                               ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                  ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(default=now)
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    end_reason: Mapped[str] = mapped_column(Text, default="")
    #: Why the pair ended, as a code (services.pairs.repairing.END_CAUSES); NULL while active.
    end_cause: Mapped[str | None] = mapped_column(String(24))
    #: Next call/video contact due (local date); moves when a contact is logged.
    next_contact_due: Mapped[date | None] = mapped_column(Date)
    #: Next home visit due (local date); moves when a visit is logged.
    next_visit_due: Mapped[date | None] = mapped_column(Date)
    last_contact_on: Mapped[date | None] = mapped_column(Date)

    child = relationship("Child")
    volunteer = relationship("Volunteer")

    def __repr__(self) -> str:
        return f"<Pair {self.id} child={self.child_id} volunteer={self.volunteer_id}>"
