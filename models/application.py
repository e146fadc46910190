"""A family's own application for their child (自主申报), until a coordinator decides."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from models.base import Base, EncryptedText

APPLICATION_STATUSES = ("waiting", "verified", "accepted", "declined")
VERIFICATION_METHODS = ("phone", "home_visit")


class Application(Base):
    """What a parent or guardian typed on the public page, with their online consent.

    Only coordinators of ``region_code`` ever see it (services.access.policy)."""

    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint("status IN ('waiting', 'verified', 'accepted', 'declined')",
                        name="status"),
        CheckConstraint("verification_method IS NULL OR verification_method IN "
                        "('phone', 'home_visit')", name="verification_method"),
        # A decision needs a verification first, and a decline needs its reason.
        CheckConstraint("status = 'waiting' OR verified_at IS NOT NULL", name="verified"),
        CheckConstraint("status <> 'declined' OR decline_reason <> ''", name="declined"),
        #: The county's queue: open applications of a county, oldest first.
        Index(None, "region_code", "status", "created_at"),
        Index(None, "applicant_phone_hash", "created_at"),
        Index(None, "client_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the applicant is told (by SMS) and types to check the status, e.g. SB7KQ2M9XA.
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    #: The county where the child lives now: whose coordinators see the application.
    region_code: Mapped[str] = mapped_column(
        String(6), ForeignKey("regions.code", ondelete="RESTRICT"))
    #: The verified mobile of the applicant, encrypted; found through its keyed hash.
    applicant_phone: Mapped[str] = mapped_column(EncryptedText)
    applicant_phone_hash: Mapped[str] = mapped_column(String(64))
    applicant_name: Mapped[str] = mapped_column(String(64))
    applicant_relation: Mapped[str] = mapped_column(String(32))
    child_name: Mapped[str] = mapped_column(String(64))
    child_gender: Mapped[str] = mapped_column(String(1))
    child_birth_date: Mapped[date] = mapped_column(Date)
    township: Mapped[str] = mapped_column(String(128), default="")
    category: Mapped[str] = mapped_column(String(16))
    sub_type: Mapped[str | None] = mapped_column(String(32))
    hukou_region_code: Mapped[str | None] = mapped_column(
        String(6), ForeignKey("regions.code", ondelete="RESTRICT"))
    #: Need codes, ';'-joined and sorted, like children.needs.
    needs: Mapped[str] = mapped_column(String(128))
    #: The family's situation in their own words.
    situation: Mapped[str] = mapped_column(Text, default="")
    #: The consent as given online: the notice's version and text as shown, the full
    #: name typed as signature, when, and from which client address.
    notice_version: Mapped[str] = mapped_column(String(16))
    notice_text: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(64))
    consented_at: Mapped[datetime]
    consent_address: Mapped[str] = mapped_column(EncryptedText)
    #: Keyed hash of the client address, for the per-address limit.
    client_hash: Mapped[str] = mapped_column(String(64))
    verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None]
    verification_method: Mapped[str | None] = mapped_column(String(16))
    verification_note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decline_reason: Mapped[str] = mapped_column(String(200), default="")
    #: The child registered from this application when accepted.
    child_id: Mapped[int | None] = mapped_column(
        ForeignKey("children.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)

    def __repr__(self) -> str:
        return f"<Application {self.id} {self.region_code} {self.status}>"
