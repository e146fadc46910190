"""Structured feedback on a pair: at 3 months and at its end, from the volunteer (by a
single-use SMS link or from their pages) and from the guardian (recorded by a
coordinator after a call)."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from models.base import Base

FEEDBACK_ROUNDS = ("three_months", "end")
RESPONDENTS = ("volunteer", "guardian")
CONTACT_FREQUENCIES = ("weekly", "fortnightly", "monthly", "rarely")
CHILD_TRENDS = ("better", "same", "worse")


class FeedbackRequest(Base):
    """A request to the volunteer for one round's feedback, sent once per pair and round.

    Only the keyed hash of the link's token is kept; the link works until ``expires_at``
    and once (``used_at``).
    """

    __tablename__ = "feedback_requests"
    __table_args__ = (
        CheckConstraint("round IN ('three_months', 'end')", name="round"),
        UniqueConstraint("pair_id", "round"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    round: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class PairFeedback(Base):
    """One answer: a pair, a round, a respondent; the database allows exactly one."""

    __tablename__ = "pair_feedback"
    __table_args__ = (
        CheckConstraint("round IN ('three_months', 'end')", name="round"),
        CheckConstraint("respondent IN ('volunteer', 'guardian')", name="respondent"),
        CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction"),
        CheckConstraint("contact_frequency IN ('weekly', 'fortnightly', 'monthly', 'rarely')",
                        name="contact_frequency"),
        CheckConstraint("child_trend IN ('better', 'same', 'worse')", name="child_trend"),
        CheckConstraint("length(comment) <= 500", name="comment_length"),
        UniqueConstraint("pair_id", "round", "respondent"),
        Index(None, "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    round: Mapped[str] = mapped_column(String(16))
    respondent: Mapped[str] = mapped_column(String(16))
    #: Overall satisfaction, 1 (poor) to 5 (very good).
    satisfaction: Mapped[int]
    contact_frequency: Mapped[str] = mapped_column(String(16))
    #: How the child seems since the pair started: better, same, worse.
    child_trend: Mapped[str] = mapped_column(String(8))
    would_continue: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    #: The coordinator who recorded a guardian's answer, or the volunteer's account
    #: when answered logged in; empty when answered by the SMS link.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                  ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)
