"""Local child-welfare contacts: the village child director (儿童主任) or township
supervisor (儿童督导员) who hears about a child when follow-ups lapse."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates

from core.clock import now
from core.crypto import lookup_hash
from models.base import Base, EncryptedText

WELFARE_ROLES = ("child_director", "supervisor")


class WelfareContact(Base):
    """One contact, set either for one child or for a township of a county.

    Townships are free text on the child (乡镇/村), so a township contact is keyed by
    (county code, township name); a child's own contact overrides its township's.
    """

    __tablename__ = "welfare_contacts"
    __table_args__ = (
        CheckConstraint("role IN ('child_director', 'supervisor')", name="role"),
        CheckConstraint(
            "(child_id IS NOT NULL AND region_code IS NULL AND township = '') OR "
            "(child_id IS NULL AND region_code IS NOT NULL AND township <> '')",
            name="child_or_township"),
        UniqueConstraint("region_code", "township"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int | None] = mapped_column(
        ForeignKey("children.id", ondelete="CASCADE"), unique=True)
    region_code: Mapped[str | None] = mapped_column(
        String(6), ForeignKey("regions.code", ondelete="RESTRICT"))
    township: Mapped[str] = mapped_column(String(128), default="")
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    #: Mobile in E.164, encrypted at rest.
    phone: Mapped[str] = mapped_column(EncryptedText)
    phone_hash: Mapped[str] = mapped_column(String(64), index=True, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    @validates("phone")
    def _hash_phone(self, key, value):
        self.phone_hash = lookup_hash(value)
        return value

    def __repr__(self) -> str:
        return f"<WelfareContact {self.id} {self.role}>"
