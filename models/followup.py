"""Follow-ups: the programme's rhythm, contact logs, and concerns (强制报告)."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import now
from models.base import Base

CONTACT_KINDS = ("call", "video", "home_visit", "activity", "message")
CHILD_MOODS = ("happy", "fine", "low", "worried")
CONCERN_KINDS = ("safety", "health", "abuse_neglect", "dropout", "other")


class ProgrammeSettings(Base):
    """The programme's follow-up rhythm and SMS quiet hours (one row, edited by admins)."""

    __tablename__ = "programme_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("contact_interval_days BETWEEN 1 AND 90", name="contact_interval"),
        CheckConstraint("visit_interval_days BETWEEN 1 AND 180", name="visit_interval"),
        CheckConstraint("quiet_start BETWEEN 0 AND 23 AND quiet_end BETWEEN 0 AND 23",
                        name="quiet_hours"),
        CheckConstraint("check_validity_months BETWEEN 1 AND 60", name="check_validity"),
        CheckConstraint("0 < second_reminder_days AND second_reminder_days < local_contact_days"
                        " AND local_contact_days < escalation_days AND escalation_days <= 90",
                        name="escalation_ladder"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    #: A call or video contact is due this many days after the last contact.
    contact_interval_days: Mapped[int] = mapped_column(default=14)
    #: A home visit is due this many days after the last visit.
    visit_interval_days: Mapped[int] = mapped_column(default=30)
    #: Second reminder to the volunteer this many days after the due date.
    second_reminder_days: Mapped[int] = mapped_column(default=3)
    #: The child's local welfare contact (儿童主任/儿童督导员) this many days after it.
    local_contact_days: Mapped[int] = mapped_column(default=7, server_default="7")
    #: Escalation to the county's coordinators this many days after the due date.
    escalation_days: Mapped[int] = mapped_column(default=14)
    #: No SMS from quiet_start:00 to quiet_end:00 Asia/Shanghai (reminders wait).
    quiet_start: Mapped[int] = mapped_column(default=21)
    quiet_end: Mapped[int] = mapped_column(default=8)
    #: A background check is valid this many months from the certificate's issue date.
    check_validity_months: Mapped[int] = mapped_column(default=12, server_default="12")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


class ContactLog(Base):
    """A contact a volunteer had with their paired child."""

    __tablename__ = "contact_logs"
    __table_args__ = (
        CheckConstraint("kind IN ('call', 'video', 'home_visit', 'activity', 'message')",
                        name="kind"),
        CheckConstraint("duration_minutes BETWEEN 0 AND 1440", name="duration"),
        Index(None, "pair_id", "contact_date"),
        #: The dashboard's weekly trend and the month report read contacts by date.
        Index(None, "contact_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    contact_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    duration_minutes: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: How the child seemed: happy, fine, low, worried.
    child_mood: Mapped[str] = mapped_column(String(16))
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    pair = relationship("Pair")


class Concern(Base):
    """A concern about a child's safety or welfare: open until a coordinator acts on it."""

    __tablename__ = "concerns"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint(
            "kind IN ('safety', 'health', 'abuse_neglect', 'dropout', 'other')", name="kind"),
        Index(None, "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"),
                                          index=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id", ondelete="SET NULL"))
    contact_log_id: Mapped[int | None] = mapped_column(ForeignKey("contact_logs.id",
                                                                  ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="open")
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    #: What the coordinator did about it; recording it closes the concern.
    action: Mapped[str] = mapped_column(Text, default="")
    action_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                ondelete="SET NULL"))
    action_at: Mapped[datetime | None]

    child = relationship("Child")
