"""Follow-ups: the programme's rhythm, contact logs, and concerns (强制报告)."""

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import now
from models.base import Base, EncryptedText

CONTACT_KINDS = ("call", "video", "home_visit", "activity", "message")
CHILD_MOODS = ("happy", "fine", "low", "worried")
CONCERN_KINDS = ("safety", "health", "abuse_neglect", "dropout", "other")
#: The five steps a concern goes through as a case (五位一体).
CASE_STEPS = ("reported", "acknowledged", "assessed", "referred", "closed")
REPORTER_KINDS = ("volunteer", "coordinator", "local_contact", "guardian")
RISK_LEVELS = ("low", "medium", "high", "immediate")
DEPARTMENTS = ("civil_affairs", "public_security", "education", "health", "womens_federation",
               "youth_league", "disabled_federation", "judicial", "cyberspace")
CASE_EVENT_KINDS = ("reported", "acknowledged", "escalated", "assessed", "referred",
                    "referral_outcome", "closed")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


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
        CheckConstraint("ack_hours_immediate BETWEEN 1 AND 24 AND ack_hours_other BETWEEN 1 "
                        "AND 168", name="ack_hours"),
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
    #: A case reported as immediate danger must be acknowledged (受理) within these hours.
    ack_hours_immediate: Mapped[int] = mapped_column(default=2, server_default="2")
    #: Any other case within these hours.
    ack_hours_other: Mapped[int] = mapped_column(default=24, server_default="24")
    #: No SMS from quiet_start:00 to quiet_end:00 Asia/Shanghai (reminders wait).
    quiet_start: Mapped[int] = mapped_column(default=21)
    quiet_end: Mapped[int] = mapped_column(default=8)
    #: A background check is valid this many months from the certificate's issue date.
    check_validity_months: Mapped[int] = mapped_column(default=12, server_default="12")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


def _county_of_pair(context) -> str:
    """The county of the pair's child as the contact is written (a column default)."""
    return context.connection.execute(text(
        "SELECT children.region_code FROM pairs JOIN children ON children.id = pairs.child_id"
        " WHERE pairs.id = :pair"), {"pair": context.get_current_parameters()["pair_id"]}
    ).scalar_one()


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
        #: The weekly trend of a user's counties, without joining pairs and children.
        Index("ix_contact_logs_region_date", "region_code", "contact_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    #: The child's county when the contact was logged: a contact counts where it happened,
    #: also after the child has moved.
    region_code: Mapped[str] = mapped_column(String(6), default=_county_of_pair)
    contact_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    duration_minutes: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: How the child seemed: happy, fine, low, worried.
    child_mood: Mapped[str] = mapped_column(String(16))
    #: The volunteer noted the child has stopped going to school (a watch-list signal).
    school_dropout: Mapped[bool] = mapped_column(default=False, server_default="0")
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    pair = relationship("Pair")


class Concern(Base):
    """A concern about a child's safety or welfare, followed as a case through five steps:
    reported (强制报告), acknowledged (受理), assessed (评估帮扶), referred (转介), closed (办结).
    ``status`` stays open until the case is closed; ``step`` says how far it has come."""

    __tablename__ = "concerns"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint(
            "kind IN ('safety', 'health', 'abuse_neglect', 'dropout', 'other')", name="kind"),
        CheckConstraint(_in("step", CASE_STEPS), name="step"),
        CheckConstraint(_in("reporter_kind", REPORTER_KINDS), name="reporter_kind"),
        CheckConstraint(f"risk_level IS NULL OR {_in('risk_level', RISK_LEVELS)}",
                        name="risk_level"),
        CheckConstraint("(status = 'closed') = (step = 'closed')", name="closed_step"),
        CheckConstraint("step = 'reported' OR acknowledged_at IS NOT NULL",
                        name="acknowledged_step"),
        Index(None, "status", "created_at"),
        #: The acknowledgement sweep reads only open, unacknowledged cases.
        Index("ix_concerns_ack_due", "ack_due_at",
              postgresql_where=text("status = 'open' AND acknowledged_at IS NULL"),
              sqlite_where=text("status = 'open' AND acknowledged_at IS NULL")),
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
    step: Mapped[str] = mapped_column(String(16), default="reported",
                                      server_default="reported")
    #: The reporter said the child is in danger now (they were told to call 110).
    immediate_danger: Mapped[bool] = mapped_column(default=False, server_default="0")
    #: When and where it happened, as far as the reporter knows.
    occurred_on: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: volunteer, coordinator, local_contact, or guardian (by phone, recorded by staff).
    reporter_kind: Mapped[str] = mapped_column(String(16), default="volunteer",
                                               server_default="volunteer")
    #: The person who phoned or told a coordinator (empty when the reporter logged it).
    reporter_name: Mapped[str] = mapped_column(String(64), default="", server_default="")
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    #: Acknowledge (受理) by this time, or the region ladder starts.
    ack_due_at: Mapped[datetime | None]
    #: How many rungs of the region ladder (county, city, province) have been alerted.
    ack_rungs_sent: Mapped[int] = mapped_column(default=0, server_default="0")
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                      ondelete="SET NULL"))
    risk_level: Mapped[str | None] = mapped_column(String(16))
    plan: Mapped[str] = mapped_column(Text, default="", server_default="")
    next_review_on: Mapped[date | None] = mapped_column(Date)
    assessed_at: Mapped[datetime | None]
    #: The outcome recorded on closing (办结).
    action: Mapped[str] = mapped_column(Text, default="")
    #: Why the case could be closed.
    close_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    action_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                ondelete="SET NULL"))
    action_at: Mapped[datetime | None]

    child = relationship("Child")
    referrals = relationship("CaseReferral", order_by="CaseReferral.id",
                             back_populates="concern")
    events = relationship("CaseEvent", order_by="CaseEvent.id", back_populates="concern")

    def __repr__(self) -> str:
        return f"<Concern {self.id} child={self.child_id} {self.status}/{self.step}>"


class CaseReferral(Base):
    """A case referred to a department (转介); guardianship intervention is marked as such."""

    __tablename__ = "case_referrals"
    __table_args__ = (CheckConstraint(_in("department", DEPARTMENTS), name="department"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(ForeignKey("concerns.id", ondelete="CASCADE"),
                                            index=True)
    referred_on: Mapped[date] = mapped_column(Date)
    department: Mapped[str] = mapped_column(String(24))
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    #: The department contact's phone, encrypted at rest like every other phone.
    contact_phone: Mapped[str] = mapped_column(EncryptedText, default="")
    #: What the department was asked to do.
    request: Mapped[str] = mapped_column(Text)
    #: 监护干预: the referral asks for an intervention in the child's guardianship.
    guardianship_intervention: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str] = mapped_column(Text, default="")
    outcome_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    concern = relationship("Concern", back_populates="referrals")

    def __repr__(self) -> str:
        return f"<CaseReferral {self.id} case={self.concern_id} {self.department}>"


class CaseEvent(Base):
    """One step of a case as it happened, in order, for the child's file."""

    __tablename__ = "case_events"
    __table_args__ = (CheckConstraint(_in("kind", CASE_EVENT_KINDS), name="kind"),
                      Index(None, "concern_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(ForeignKey("concerns.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(default=now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Facts of the step (risk level, department, rung); no phone numbers.
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    concern = relationship("Concern", back_populates="events")

    def __repr__(self) -> str:
        return f"<CaseEvent {self.id} case={self.concern_id} {self.kind}>"
