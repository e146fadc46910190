"""Finding possible duplicate children across every county, without revealing them.

Three rules, each a join over keyed-hash or plain columns (never a query per row):

- ``id_number``: the same resident ID number (keyed hash ``id_number_hash``);
- ``name_birth_phone``: the same name, birth date and guardian phone (``guardian_phone_hash``);
- ``pinyin_birth_county``: the same name in toneless pinyin, the same birth date and the
  same county (keyed hash ``pinyin_key_hash``), for one name written with other characters.

A pair is stored once (lower id first) and is never found again once dismissed. What a
coordinator learns about the other record is only its county and whom to contact there
(services.duplicates.review), never the other child's name, ID number, birth date or phone.
"""

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from sqlalchemy import Select, case, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from core.clock import now
from core.crypto import lookup_hash
from models import Child, ChildDuplicate, ImportJob, User
from services.duplicates.review import notices_for


def id_number_key(id_number: str | None) -> str | None:
    """The keyed hash of an ID number (None without one)."""
    return lookup_hash(f"id_number|{id_number}") if id_number else None


@lru_cache(maxsize=65536)
def spelling(name: str) -> str:
    """A name in toneless pinyin, letters and digits only (黄晓明 and 黄小明: huangxiaoming)."""
    # Imported here: its phrase tables take a quarter of a second to load, which every
    # command (a matching run, a migration) would pay otherwise.
    from pypinyin import Style, lazy_pinyin

    spelt = "".join(lazy_pinyin(name.strip(), style=Style.NORMAL)).lower()
    return "".join(ch for ch in spelt if ch.isalnum())


def pinyin_key(name: str, birth_date: date | None, region_code: str) -> str | None:
    """The keyed hash of the name in toneless pinyin, the birth date and the county."""
    spelt = spelling(name or "")
    if not spelt or birth_date is None or not region_code:
        return None
    return lookup_hash(f"pinyin|{spelt}|{birth_date.isoformat()}|{region_code}")


def set_keys(child: Child, id_number: str | None) -> None:
    """Refresh a child's look-up keys after its fields changed (the ID number only when
    a new one is given, as the encrypted number itself)."""
    if id_number:
        child.id_number_hash = id_number_key(id_number)
    child.pinyin_key_hash = pinyin_key(child.name, child.birth_date, child.region_code)


def _rules(new, other) -> list[tuple[str, list]]:
    return [
        ("id_number", [other.id_number_hash == new.id_number_hash]),
        ("name_birth_phone", [other.guardian_phone_hash == new.guardian_phone_hash,
                              new.guardian_phone_hash != "", other.name == new.name,
                              other.birth_date == new.birth_date]),
        ("pinyin_birth_county", [other.pinyin_key_hash == new.pinyin_key_hash]),
    ]


def detect(session: Session, new_ids: Select) -> None:
    """Record the possible duplicates between the children ``new_ids`` selects and every
    other child in the programme (one INSERT ... SELECT per rule, strongest rule first)."""
    new, other = aliased(Child), aliased(Child)
    table = ChildDuplicate.__table__
    low = case((new.id < other.id, new.id), else_=other.id)
    high = case((new.id < other.id, other.id), else_=new.id)
    postgresql = session.get_bind().dialect.name == "postgresql"
    for rule, conditions in _rules(new, other):
        source = select(low, high, literal(rule), literal("open"),
                        literal(now(), table.c.found_at.type)).distinct().where(
            new.id.in_(new_ids), other.id != new.id, other.anonymised_at.is_(None),
            *conditions).join_from(new, other, conditions[0])
        stmt = (pg_insert if postgresql else sqlite_insert)(table).from_select(
            ["child_a_id", "child_b_id", "rule", "status", "found_at"], source)
        session.execute(stmt.on_conflict_do_nothing(index_elements=["child_a_id",
                                                                    "child_b_id"]))


def detect_for_child(session: Session, actor: User, child: Child) -> list:
    """Find a registered or changed child's possible duplicates; the notices to show."""

    session.flush()
    detect(session, select(literal(child.id)))
    return notices_for(session, actor, [child.id])


@dataclass
class RowDuplicates:
    """The possible duplicates of one ledger row."""

    row: int
    external_id: str
    notices: list = field(default_factory=list)
    name: str = ""  # the child's name as the row gives it: how a clerk finds the row


def detect_for_import(session: Session, actor: User, job: ImportJob,
                      rows_by_external_id: dict[str, int]) -> list[RowDuplicates]:
    """Find the possible duplicates of every child an import wrote, reported per row."""

    detect(session, select(Child.id).where(Child.last_import_id == job.id))
    imported = dict(session.execute(select(Child.id, Child.external_id)
                                    .where(Child.last_import_id == job.id)).tuples().all())
    by_row: dict[int, RowDuplicates] = {}
    for notice in notices_for(session, actor, list(imported)):
        external_id = imported[notice.child_id]
        row = rows_by_external_id.get(external_id, 0)
        by_row.setdefault(row, RowDuplicates(row, external_id)).notices.append(notice)
    return [by_row[row] for row in sorted(by_row)]
