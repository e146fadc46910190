"""Volunteers (caring parents) and the background checks that vet them."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.clock import now
from core.crypto import lookup_hash
from models.base import Base, EncryptedText

VOLUNTEER_STATUSES = ("pending", "vetted", "rejected", "suspended", "recheck_needed",
                      "withdrawn")


class Volunteer(Base):
    """A caring parent's profile: where they are, what they offer, how many children."""

    __tablename__ = "volunteers"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'vetted', 'rejected', 'suspended', 'recheck_needed', "
            "'withdrawn')",
            name="status",
        ),
        CheckConstraint("capacity BETWEEN 1 AND 3", name="capacity"),
        CheckConstraint("active_pairs >= 0 AND active_pairs <= capacity", name="active_pairs"),
        CheckConstraint("max_distance_km > 0 AND max_distance_km <= 200", name="distance"),
        CheckConstraint("gender IN ('M', 'F')", name="gender"),
        CheckConstraint("child_gender IS NULL OR child_gender IN ('M', 'F')", name="child_gender"),
        CheckConstraint(
            "age_min IS NULL OR age_max IS NULL OR age_min <= age_max", name="age_range"
        ),
        Index(None, "region_code", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The login account; NULL for a volunteer imported from a ledger who has not signed up.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    #: The id in the county's ledger; re-imports update the row with the same id.
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    #: Mobile number in E.164, encrypted at rest.
    phone: Mapped[str] = mapped_column(EncryptedText)
    #: Keyed hash of the phone (one volunteer per number).
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: A new number the volunteer asked for, encrypted; it replaces ``phone`` only once the
    #: code sent to it is typed (services.registry.profile).
    pending_phone: Mapped[str | None] = mapped_column(EncryptedText)
    gender: Mapped[str] = mapped_column(String(1))
    region_code: Mapped[str] = mapped_column(
        String(6), ForeignKey("regions.code", ondelete="RESTRICT")
    )
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    #: Need codes offered, ';'-joined and sorted (services.shared.taxonomy.NEEDS).
    skills: Mapped[str] = mapped_column(String(128))
    #: How many children at once (1-3).
    capacity: Mapped[int] = mapped_column(default=1)
    #: Active pairs now; kept by services.pairs.lifecycle in the same transaction as the pair, and
    #: bounded by capacity in the database, so concurrent approvals cannot overbook.
    active_pairs: Mapped[int] = mapped_column(default=0, server_default="0")
    max_distance_km: Mapped[float] = mapped_column(default=20.0)
    age_min: Mapped[int | None]
    age_max: Mapped[int | None]
    #: Preferred child gender; NULL means any.
    child_gender: Mapped[str | None] = mapped_column(String(1))
    availability: Mapped[str] = mapped_column(Text, default="")
    motivation: Mapped[str] = mapped_column(Text, default="")
    #: When the volunteer accepted the privacy notice (sign-up) or the ledger was imported.
    privacy_consent_at: Mapped[datetime | None]
    #: Which version of the privacy notice (services.registry.privacy) they accepted.
    privacy_notice_version: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    #: Why the last status change happened (rejection or suspension reason).
    status_reason: Mapped[str] = mapped_column(Text, default="")
    status_changed_at: Mapped[datetime | None]
    #: The ledger import that last wrote this row.
    last_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_jobs.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    checks: Mapped[list["BackgroundCheck"]] = relationship(
        back_populates="volunteer",
        order_by="BackgroundCheck.checked_at.desc()",
        cascade="all, delete-orphan",
    )

    @validates("phone")
    def _hash_phone(self, key, value):
        self.phone_hash = lookup_hash(value)
        return value

    @property
    def skill_set(self) -> set[str]:
        return set(filter(None, self.skills.split(";")))

    def __repr__(self) -> str:
        return f"<Volunteer {self.id} {self.status}>"


class BackgroundCheck(Base):
    """A no-criminal-record certificate (无犯罪记录证明) a coordinator has checked.

    A check is valid until ``expires_on`` (a local date, excluded), set when it is
    recorded from the programme's ``check_validity_months`` (services.registry.background_checks).
    """

    __tablename__ = "background_checks"
    __table_args__ = (Index("ix_background_checks_volunteer_id_expires_on", "volunteer_id",
                            "expires_on"),
                      #: Each caring parent's first check (the targets' weekly trend).
                      Index("ix_background_checks_first", "volunteer_id", "checked_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    #: "manual" (a coordinator saw the certificate) or "import" (vetted ledger import).
    source: Mapped[str] = mapped_column(String(16), default="manual")
    certificate_no: Mapped[str] = mapped_column(String(64), default="")
    issuing_office: Mapped[str] = mapped_column(String(128), default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    checked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    checked_at: Mapped[datetime] = mapped_column(default=now)
    #: The first local date on which the check no longer counts.
    expires_on: Mapped[date] = mapped_column(Date)

    volunteer: Mapped[Volunteer] = relationship(back_populates="checks")
    checked_by = relationship("User")

    def __repr__(self) -> str:
        return f"<BackgroundCheck {self.id} volunteer={self.volunteer_id}>"
