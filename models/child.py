"""Children in the programme and their guardians' consent."""

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.clock import now
from core.crypto import lookup_hash
from models.base import Base, EncryptedText

URGENT_WITH_CONSENT = "priority = 'urgent' AND consenting"


class Child(Base):
    """A left-behind child, child in difficulty or migrant child in the registry."""

    __tablename__ = "children"
    __table_args__ = (
        CheckConstraint("gender IN ('M', 'F')", name="gender"),
        CheckConstraint("category IN ('left_behind', 'in_difficulty', 'migrant')",
                        name="category"),
        #: Only a migrant child has a household registration elsewhere (户籍地).
        CheckConstraint("hukou_region_code IS NULL OR category = 'migrant'",
                        name="hukou_only_migrant"),
        CheckConstraint("priority IN ('normal', 'high', 'urgent')", name="priority"),
        #: Covers the dashboard's counts per county, priority, consent and category, and its
        #: join to pairs (index-only scans).
        Index("ix_children_region_code", "region_code", "priority", "consenting", "category",
              "id"),
        #: Urgent children with consent by county and registration (the targets' "paired
        #: within N days").
        Index("ix_children_urgent_waiting", "region_code", "created_at",
              postgresql_include=["id"], postgresql_where=text(URGENT_WITH_CONSENT),
              sqlite_where=text(URGENT_WITH_CONSENT)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The id in the county's ledger (信息台账); re-imports update the row with the same id.
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date] = mapped_column(Date)
    region_code: Mapped[str] = mapped_column(
        String(6), ForeignKey("regions.code", ondelete="RESTRICT")
    )
    #: The county of household registration (户籍地) of a migrant child; ``region_code``
    #: stays the county where the child lives now (scoping and matching use that one).
    hukou_region_code: Mapped[str | None] = mapped_column(
        String(6), ForeignKey("regions.code", ondelete="RESTRICT"))
    #: Whether a current (not withdrawn) consent exists, kept with the consent records by
    #: services.registry.children and the importer, so the dashboard counts from one index.
    consenting: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Township and village as free text (乡镇/村).
    township: Mapped[str] = mapped_column(String(128), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    category: Mapped[str] = mapped_column(String(16))
    sub_type: Mapped[str | None] = mapped_column(String(32))
    #: Need codes, ';'-joined and sorted (services.shared.taxonomy.NEEDS).
    needs: Mapped[str] = mapped_column(String(128))
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    guardian_name: Mapped[str] = mapped_column(String(64))
    guardian_relation: Mapped[str] = mapped_column(String(32))
    #: Guardian's mobile in E.164, encrypted at rest.
    guardian_phone: Mapped[str] = mapped_column(EncryptedText)
    #: Keyed hash of the guardian's phone (to find it without decrypting every row).
    guardian_phone_hash: Mapped[str] = mapped_column(String(64), index=True, default="")
    school: Mapped[str] = mapped_column(String(128), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    #: Resident ID number (GB 11643), Fernet-encrypted; shown masked only.
    id_number_encrypted: Mapped[str | None] = mapped_column(Text)
    #: Keyed hash of the ID number: finds the same child registered in another county.
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    #: Keyed hash of the name in toneless pinyin, the birth date and the county
    #: (services.duplicates.detect.pinyin_key): finds one child spelt with other characters.
    pinyin_key_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    #: Last four characters of the ID number, for the masked display.
    id_number_tail: Mapped[str | None] = mapped_column(String(4))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: The ledger import that last wrote this row.
    last_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_jobs.id", ondelete="SET NULL"), index=True
    )
    #: The day the child left the programme (moved away, grew up...); starts retention.
    left_programme_on: Mapped[date | None] = mapped_column(Date)
    left_reason: Mapped[str] = mapped_column(String(128), default="", server_default="")
    #: Since when the child waits for a new caring parent because a pair ended through no
    #: fault of theirs (services.pairs.repairing); cleared when the child is paired again.
    repair_needed_since: Mapped[datetime | None] = mapped_column(index=True)
    #: When retention removed the child's personal data (the record stays for statistics).
    anonymised_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    consents: Mapped[list["ConsentRecord"]] = relationship(
        back_populates="child",
        order_by="ConsentRecord.recorded_at.desc()",
        cascade="all, delete-orphan",
    )

    @validates("guardian_phone")
    def _hash_phone(self, key, value):
        self.guardian_phone_hash = lookup_hash(value)
        return value

    @property
    def need_set(self) -> set[str]:
        return set(filter(None, self.needs.split(";")))

    @property
    def current_consent(self) -> "ConsentRecord | None":
        return next((c for c in self.consents if c.withdrawn_at is None), None)

    @property
    def has_consent(self) -> bool:
        return self.current_consent is not None

    def note_consent(self) -> None:
        """Keep ``consenting`` equal to ``has_consent`` (call after consents change)."""
        self.consenting = self.has_consent

    def __repr__(self) -> str:
        return f"<Child {self.id} {self.region_code}>"


class ConsentRecord(Base):
    """A guardian's separate consent to the use of the child's data (PIPL art. 31)."""

    __tablename__ = "consent_records"
    __table_args__ = (Index(None, "child_id", "withdrawn_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    #: Who consented (the guardian's name as signed).
    given_by: Mapped[str] = mapped_column(String(64))
    relation: Mapped[str] = mapped_column(String(32))
    #: How: paper, in_person, phone, import, online (services.shared.taxonomy.CONSENT_METHODS).
    method: Mapped[str] = mapped_column(String(16))
    given_on: Mapped[date] = mapped_column(Date)
    notice_version: Mapped[str] = mapped_column(String(16), default="2026-1")
    scope: Mapped[str] = mapped_column(String(128), default="matching,follow_up,sms")
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(default=now)
    withdrawn_at: Mapped[datetime | None]
    #: For consent given online with a self-declaration (自主申报): the application that
    #: holds the notice's text, the typed signature, the time and the client address.
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL"), index=True)

    child: Mapped[Child] = relationship(back_populates="consents")
    application: Mapped["Application | None"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<ConsentRecord {self.id} child={self.child_id}>"
