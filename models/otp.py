"""One-time codes sent by SMS to prove a phone number (sign-up, password reset)."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from models.base import Base

#: signup: a new account; reset: a forgotten password; change: a volunteer's new number;
#: apply: a family proves its number before applying (自主申报); status: before reading
#: an application's status.
CODE_PURPOSES = ("signup", "reset", "change", "apply", "status")
#: Wrong tries a code survives; the database refuses more (see services.access.otp).
MAX_TRIES = 5


class PhoneCode(Base):
    """One code sent to one number. Neither the number nor the code is stored: only keyed
    hashes of both (core.crypto.lookup_hash)."""

    __tablename__ = "phone_codes"
    __table_args__ = (
        CheckConstraint("purpose IN ('signup', 'reset', 'change', 'apply', 'status')",
                        name="purpose"),
        CheckConstraint(f"tries >= 0 AND tries <= {MAX_TRIES}", name="tries"),
        # Two requests at once for one number cannot both get a code in the same minute.
        UniqueConstraint("phone_hash", "issued_minute"),
        Index(None, "phone_hash", "created_at"),
        Index(None, "client_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Keyed hash of the number (E.164), like users.phone_hash.
    phone_hash: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(8))
    #: Keyed hash of the code with its number and purpose; the code is never stored.
    code_hash: Mapped[str] = mapped_column(String(64))
    #: Keyed hash of the client address that asked, for the per-address limit.
    client_hash: Mapped[str] = mapped_column(String(64), default="")
    #: The account the code is for, when there is one (a reset for an unknown number
    #: writes a row too, so answers do not tell who has an account).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                index=True)
    tries: Mapped[int] = mapped_column(default=0)
    #: Minutes since 1970 (UTC) when issued: the per-minute uniqueness key.
    issued_minute: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<PhoneCode {self.id} {self.purpose}>"
