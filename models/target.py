"""Programme targets: a figure a region should reach by a date (e.g. 10,000 caring parents
in Guangxi by 2026-12-31; a city's share is its own target row)."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from models.base import Base

TARGET_METRICS = ("caring_parents", "urgent_paired_days", "compliance_percent")


class ProgrammeTarget(Base):
    """One target of one region for one date."""

    __tablename__ = "programme_targets"
    __table_args__ = (
        CheckConstraint("metric IN ('caring_parents', 'urgent_paired_days', "
                        "'compliance_percent')", name="metric"),
        CheckConstraint("value >= 0 AND (metric != 'compliance_percent' OR value <= 100)",
                        name="value"),
        UniqueConstraint("region_code", "metric", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code",
                                                                   ondelete="CASCADE"),
                                             index=True)
    #: caring_parents: vetted volunteers to reach; urgent_paired_days: every urgent child
    #: waiting with consent is paired within this many days of registration;
    #: compliance_percent: share of active pairs with a contact in the last 30 days.
    metric: Mapped[str] = mapped_column(String(24))
    value: Mapped[int]
    due_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    def __repr__(self) -> str:
        return f"<ProgrammeTarget {self.region_code} {self.metric}={self.value} {self.due_on}>"
