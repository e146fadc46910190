"""Possible duplicate children: two records that may be the same child, in any counties."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from models.base import Base

#: How a pair was found; ``linked_group`` joins the twins of twins when a pair is linked.
DUPLICATE_RULES = ("id_number", "name_birth_phone", "pinyin_birth_county", "linked_group")
DUPLICATE_STATUSES = ("open", "linked", "dismissed")


class ChildDuplicate(Base):
    """Two child records that may be one child; coordinators link or dismiss the pair.

    The lower id is always ``child_a_id``, so each pair is stored once (unique).
    """

    __tablename__ = "child_duplicates"
    __table_args__ = (
        CheckConstraint("child_a_id < child_b_id", name="ordered"),
        CheckConstraint("rule IN ('id_number', 'name_birth_phone', 'pinyin_birth_county', "
                        "'linked_group')", name="rule"),
        CheckConstraint("status IN ('open', 'linked', 'dismissed')", name="status"),
        UniqueConstraint("child_a_id", "child_b_id"),
        Index(None, "child_b_id", "status"),
        Index(None, "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_a_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    child_b_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(12), default="open")
    found_at: Mapped[datetime] = mapped_column(default=now)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]

    def other(self, child_id: int) -> int:
        return self.child_b_id if child_id == self.child_a_id else self.child_a_id

    def __repr__(self) -> str:
        return f"<ChildDuplicate {self.child_a_id}~{self.child_b_id} {self.status}>"
