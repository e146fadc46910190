"""Accounts: administrators, coordinators and volunteers, and coordinators' regions."""

import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.clock import now
from core.crypto import lookup_hash
from models.base import Base, EncryptedText

ROLES = ("admin", "coordinator", "volunteer")


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(Base):
    """A person who can log in."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'coordinator', 'volunteer')", name="role"),
        # An account whose phone was never verified cannot be active (services.access.otp).
        CheckConstraint("NOT active OR phone_verified_at IS NOT NULL", name="active_verified"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    #: Mobile number in E.164 (+8613800138000), encrypted at rest; the login name.
    phone: Mapped[str] = mapped_column(EncryptedText)
    #: Keyed hash of the phone: log-in and uniqueness without storing it in clear.
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), index=True)
    #: False blocks log-in (a disabled coordinator, a suspended volunteer, a volunteer
    #: whose phone is not verified yet).
    active: Mapped[bool] = mapped_column(default=True)
    #: When the owner proved the number with a one-time code; accounts made by staff
    #: (and those from before codes existed) count as verified when created.
    phone_verified_at: Mapped[datetime | None]
    #: Part of the session id: changing it ends every session of this user.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=now)

    regions: Mapped[list["CoordinatorRegion"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @validates("phone")
    def _hash_phone(self, key, value):
        self.phone_hash = lookup_hash(value)
        return value

    # What Flask-Login asks of a user object (its UserMixin, without importing Flask here).
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:  # Flask-Login
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Invalidate every session cookie issued to this user so far."""
        self.session_token = new_session_token()

    @property
    def region_codes(self) -> list[str]:
        return sorted(r.region_code for r in self.regions)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class CoordinatorRegion(Base):
    """A region a coordinator covers; a city or province covers every county under it."""

    __tablename__ = "coordinator_regions"
    __table_args__ = (UniqueConstraint("user_id", "region_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    region_code: Mapped[str] = mapped_column(
        String(6), ForeignKey("regions.code", ondelete="RESTRICT"), index=True
    )

    user: Mapped[User] = relationship(back_populates="regions")

    def __repr__(self) -> str:
        return f"<CoordinatorRegion {self.user_id} {self.region_code}>"
