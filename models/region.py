"""Chinese administrative divisions (GB/T 2260) down to county level."""

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

REGION_LEVELS = ("province", "city", "county")


class Region(Base):
    """A province, city or county with its centre point."""

    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint("level IN ('province', 'city', 'county')", name="level"),
    )

    #: 6-digit GB/T 2260 code, e.g. 450127.
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    parent_code: Mapped[str | None] = mapped_column(
        String(6), ForeignKey("regions.code", ondelete="RESTRICT"), index=True
    )
    level: Mapped[str] = mapped_column(String(8))
    latitude: Mapped[float]
    longitude: Mapped[float]

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"
