"""Volunteer service records (志愿服务记录) and the certificates issued from them.

Volunteer Service Regulations (志愿服务条例) art. 19-20: the organisation records each
volunteer's service truthfully and issues a certificate of the record on request.
"""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from models.base import Base


class ServiceRecord(Base):
    """One logged contact or visit a coordinator confirmed as service time."""

    __tablename__ = "service_records"
    __table_args__ = (
        CheckConstraint("minutes >= 0 AND minutes <= 1440", name="minutes"),
        CheckConstraint("logged_minutes >= 0 AND logged_minutes <= 1440",
                        name="logged_minutes"),
        Index(None, "region_code", "service_date"),
        Index(None, "volunteer_id", "service_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A contact counts once: the database refuses a second record of it.
    contact_log_id: Mapped[int] = mapped_column(
        ForeignKey("contact_logs.id", ondelete="CASCADE"), unique=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"))
    #: The child's county, where the service was given (bulk confirmation, export).
    region_code: Mapped[str] = mapped_column(
        String(6), ForeignKey("regions.code", ondelete="RESTRICT"))
    service_date: Mapped[date] = mapped_column(Date)
    #: The contact kind (services.followups.contacts.CONTACT_KINDS).
    content: Mapped[str] = mapped_column(String(16))
    #: Service time that counts (a coordinator's correction changes it, with a reason).
    minutes: Mapped[int]
    #: What the volunteer logged.
    logged_minutes: Mapped[int]
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    confirmed_at: Mapped[datetime] = mapped_column(default=now)
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    corrected_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    corrected_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<ServiceRecord {self.id} volunteer={self.volunteer_id} {self.minutes}min>"


class ServiceCertificate(Base):
    """A certificate of a volunteer's service record, as issued: its facts are kept as
    they were printed, so ``/verify/<code>`` shows exactly what the paper says."""

    __tablename__ = "service_certificates"
    __table_args__ = (CheckConstraint("total_minutes >= 0", name="total_minutes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The verification code printed on the certificate (random, unguessable).
    code: Mapped[str] = mapped_column(String(16), unique=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    volunteer_name: Mapped[str] = mapped_column(String(64))
    #: The volunteer's mobile number, masked (139****1111).
    masked_phone: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    total_minutes: Mapped[int]
    #: What the service was, in words (e.g. 电话或视频陪伴 12 次；家访 3 次).
    content: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str] = mapped_column(String(128))
    issued_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(default=now)

    def __repr__(self) -> str:
        return f"<ServiceCertificate {self.code} volunteer={self.volunteer_id}>"
