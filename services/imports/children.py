"""Import a county's children ledger; a row imported by a coordinator counts as the
guardian's consent recorded on paper, and the import records that.

A row is the same child as one on file by, in this order: its external_id (编号); else
the keyed hash of its ID number; else its name, birth date and guardian phone (the rule
duplicate detection uses). A child found without an external_id gets one made from that
key, so the next import finds it the same way. Columns the ledger does not have keep the
values on file; a row whose values all equal those on file is left alone (unchanged).
"""

import logging

from sqlalchemy import exists, insert, literal, select, update
from sqlalchemy.orm import Session

from core.clock import now, today_local
from core.crypto import lookup_hash
from models import Child, ConsentRecord, ImportJob, User
from services.access.policy import county_scope
from services.duplicates.detect import detect_for_import, id_number_key, pinyin_key
from services.imports import values as county
from services.imports.common import (
    Problems,
    Progress,
    RowProblem,
    check_scope,
    clean_rows,
    finish_job,
    locate,
    no_progress,
    save_rows,
    start_job,
)
from services.imports.reader import Ledger
from services.regions import RegionTree
from services.registry.children import apply_id_number, clean_child
from services.shared import taxonomy
from services.shared.phones import mask_phone
from services.shared.taxonomy import N_

log = logging.getLogger(__name__)

#: The published column contract (English headers); the ledger may also name its
#: columns in Chinese (services.imports.headers), and external_id may be left out.
CHILD_COLUMNS = ("external_id", "name", "gender", "birth_date", "region_code", "latitude",
                 "longitude", "category", "needs", "priority", "guardian_name",
                 "guardian_phone", "guardian_relation")
#: Fields compared with the record on file to tell a changed row from an unchanged one.
COMPARED = ("name", "gender", "birth_date", "region_code", "township", "category",
            "sub_type", "needs", "priority", "guardian_name", "guardian_relation",
            "guardian_phone_hash", "school", "notes", "latitude", "longitude",
            "id_number_hash")
#: Ledger fields → the record columns they fill.
_FILLS = {"guardian_phone": ("guardian_phone", "guardian_phone_hash"),
          "id_number": ("id_number_encrypted", "id_number_tail", "id_number_hash"),
          "village": ("township",)}


def prepare_child(tree: RegionTree, own: set[str] | None):
    """County-style values of a children ledger's row → codes (see services.imports.values)."""

    def prepare(raw: dict, fail) -> None:
        row = county.RowValues(raw, fail)
        if county.masked_id_number(raw.get("id_number")):
            raw["id_number"] = ""  # the export's masked number: keep the one on file
        if county.masked_phone(raw.get("guardian_phone")):
            raw["masked_phone"] = str(raw["guardian_phone"]).strip()
            raw["guardian_phone"] = "13800000000"  # replaced by the number on file
        row.choice("gender", county.GENDERS, taxonomy.GENDERS, county.WRITE_GENDER)
        row.day("birth_date")
        row.from_id_number()
        row.region("region_code", tree, own)
        row.region("hukou_region_code", tree, None)  # anywhere in China: where the family is from
        row.choice("category", county.CATEGORIES, taxonomy.CATEGORIES, county.WRITE_CATEGORY)
        row.choice("sub_type", county.SUB_TYPES, taxonomy.SUB_TYPES, county.WRITE_SUB_TYPE)
        row.needs("needs", taxonomy.NEEDS)
        row.choice("priority", county.PRIORITIES, taxonomy.PRIORITIES, county.WRITE_PRIORITY)
        row.choice("guardian_relation", county.RELATIONS, taxonomy.GUARDIAN_RELATIONS,
                   county.WRITE_RELATION)
        row.phone("guardian_phone")
        if raw.get("village"):
            raw["township"] = "".join(str(raw.get(k) or "") for k in ("township", "village"))

    return prepare


def import_children(session: Session, actor: User, ledger: Ledger, tree: RegionTree, *,
                    job: ImportJob | None = None,
                    progress: Progress = no_progress) -> ImportJob:
    """Write every row or none; raise ImportFailed listing each bad row.

    ``job`` is a queued import's record; ``progress`` hears of rows checked and saved.
    """
    problems = Problems()
    own = county_scope(session, actor)

    def clean(raw, checker):
        values = clean_child(raw, tree, checker)
        values["masked_phone"] = raw.get("masked_phone")
        return values

    cleaned = clean_rows(ledger.rows, clean, problems, progress, total=ledger.total,
                         prepare=prepare_child(tree, own))
    matched_by = _assign_keys(session, cleaned, own, problems)
    table = Child.__table__
    existing = check_scope(session, actor, table, cleaned, problems, N_(
        "external_id %(value)s is already used by a child outside your regions."), tree)
    on_file = _on_file(session, [v["external_id"] for _, v in cleaned])
    _keep_masked_phones(cleaned, on_file, problems)
    locate(problems, ledger)
    job = start_job(session, "children", actor, cleaned, problems, job)
    stamp = now()
    records, unchanged = [], 0
    for _, values in cleaned:
        holder = Child()
        apply_id_number(holder, values.pop("id_number"))
        values.pop("masked_phone")
        record = values  # completed in place: a large ledger is held once, not twice
        record.update({"guardian_phone_hash": lookup_hash(values["guardian_phone"]),
                       "id_number_encrypted": holder.id_number_encrypted,
                       "id_number_tail": holder.id_number_tail,
                       "id_number_hash": holder.id_number_hash,
                       "pinyin_key_hash": pinyin_key(values["name"], values["birth_date"],
                                                     values["region_code"]),
                       "created_by_id": actor.id,
                       "last_import_id": job.id, "created_at": stamp, "updated_at": stamp})
        old = on_file.get(values["external_id"])
        if old is not None and not _changed(record, old, ledger.fields):
            unchanged += 1
            continue
        records.append(record)
    save_rows(session, table, records, "external_id", progress,
              keep_on_update=("created_by_id", *_absent(ledger.fields)),
              keep_if_empty=("id_number_encrypted", "id_number_tail", "id_number_hash",
                             "sub_type"))
    _record_paper_consent(session, actor, job)
    finish_job(session, job, cleaned, existing, unchanged)
    job.report = {"unchanged": unchanged, "matched_by": matched_by,
                  "extra_columns": ledger.extra[:50]}
    #: Possible duplicates anywhere, per row; they never fail the import.
    job.duplicate_rows = detect_for_import(
        session, actor, job, {values["external_id"]: number for number, values in cleaned})
    log.info("children import %s: %s created, %s updated, %s unchanged",
             job.id, job.created, job.updated, unchanged)
    return job


def _absent(fields) -> list[str]:
    """Record columns the ledger has no column for: they keep their values on file."""
    given = set(fields)
    present = set()
    for name in given:
        present.update(_FILLS.get(name, (name,)))
    optional = ("township", "latitude", "longitude", "sub_type", "school", "notes",
                "priority", "id_number_encrypted", "id_number_tail", "id_number_hash")
    return [c for c in optional if c not in present]


def _changed(record: dict, old, fields) -> bool:
    absent = set(_absent(fields))
    for name in COMPARED:
        if name in absent or (name == "id_number_hash" and record[name] is None):
            continue
        if record[name] != getattr(old, name):
            return True
    return False


def _on_file(session: Session, ids: list[str]) -> dict:
    """The children on file by external_id, with the compared columns."""
    columns = [Child.external_id, Child.guardian_phone, *(getattr(Child, c) for c in COMPARED)]
    found = {}
    for start in range(0, len(ids), 2000):
        stmt = select(*columns).where(Child.external_id.in_(ids[start:start + 2000]))
        found.update({row.external_id: row for row in session.execute(stmt)})
    return found


def _keep_masked_phones(cleaned, on_file: dict, problems) -> None:
    """A masked phone (137****1234, as exported) keeps the number on file it masks."""
    for number, values in cleaned:
        masked = values.get("masked_phone")
        if not masked:
            continue
        old = on_file.get(values["external_id"])
        if old is None or mask_phone(old.guardian_phone) != masked:
            problems.append(RowProblem(number, "guardian_phone", N_(
                "%(value)s is a hidden number; write the guardian's full 11-digit mobile "
                "number."), {"value": masked}))
        else:
            values["guardian_phone"] = old.guardian_phone


def _assign_keys(session: Session, cleaned, own: set[str] | None,
                 problems) -> dict[str, int]:
    """Give every row an external_id: its own, the one of the child in the actor's
    counties it matches, or one made from its key. Returns how many rows each rule
    identified; two rows that are the same child are a problem."""
    counts = {"external_id": 0, "id_number": 0, "name_birth_phone": 0}
    by_id, by_phone = {}, {}
    for _, values in cleaned:
        if values["external_id"]:
            counts["external_id"] += 1
        elif values.get("id_number"):
            by_id.setdefault(id_number_key(values["id_number"]), []).append(values)
        else:
            by_phone.setdefault(lookup_hash(values["guardian_phone"]), []).append(values)
    for digest, rows in by_id.items():
        for values in rows:
            values["external_id"] = "ID-" + digest[:24]
    for digest, rows in by_phone.items():
        for values in rows:
            key = lookup_hash(f"nbp|{values['name']}|{values['birth_date']}|{digest}")
            values["external_id"] = "NBP-" + key[:24]
    counts["id_number"] = sum(len(r) for r in by_id.values())
    counts["name_birth_phone"] = sum(len(r) for r in by_phone.values())
    _adopt(session, own, Child.id_number_hash, by_id, lambda values, child: True)
    _adopt(session, own, Child.guardian_phone_hash, by_phone,
           lambda values, child: (child.name, child.birth_date) ==
           (values["name"], values["birth_date"]))
    first: dict[str, int] = {}
    for number, values in cleaned:
        seen = first.setdefault(values["external_id"], number)
        if seen != number:
            problems.append(RowProblem(number, "name", N_(
                "This row is the same child as row %(row)s (same ID number, or same name, "
                "birth date and guardian phone); keep one of the two rows."), {"row": seen}))
    return {rule: n for rule, n in counts.items() if n}


def _adopt(session: Session, own: set[str] | None, column, rows_by_key: dict,
           same) -> None:
    """Children on file that match keyless rows: the row takes the child's external_id,
    or the child takes the row's made-up one."""
    keys = list(rows_by_key)
    for start in range(0, len(keys), 2000):
        found = session.execute(select(Child.id, Child.external_id, Child.name,
                                       Child.birth_date, column.label("key"))
                                .where(column.in_(keys[start:start + 2000]),
                                       *([Child.region_code.in_(own)] if own is not None
                                         else []))).all()
        for child in found:
            for values in rows_by_key.get(child.key, ()):
                if not same(values, child):
                    continue
                if child.external_id:
                    values["external_id"] = child.external_id
                else:
                    session.execute(update(Child).where(Child.id == child.id)
                                    .values(external_id=values["external_id"]))


def _record_paper_consent(session: Session, actor: User, job: ImportJob) -> None:
    """Consent on paper for imported children that never had a consent record.

    A child whose guardian withdrew consent keeps it withdrawn: re-importing the ledger
    does not consent again.
    """
    children = Child.__table__
    consents = ConsentRecord.__table__
    source = select(
        children.c.id, children.c.guardian_name, children.c.guardian_relation,
        literal("import"), literal(today_local()), literal("2026-1"),
        literal("matching,follow_up,sms"), literal(actor.id),
        literal(now(), consents.c.recorded_at.type),
    ).where(
        children.c.last_import_id == job.id,
        ~exists().where(consents.c.child_id == children.c.id),
    )
    session.execute(insert(consents).from_select(
        ["child_id", "given_by", "relation", "method", "given_on", "notice_version", "scope",
         "recorded_by_id", "recorded_at"], source))
    current = exists().where(consents.c.child_id == children.c.id,
                             consents.c.withdrawn_at.is_(None))
    session.execute(update(children).where(children.c.last_import_id == job.id)
                    .values(consenting=current))
