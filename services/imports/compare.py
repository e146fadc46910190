"""Compare another department's list with the registry before importing it (比对).

Rules:
- A comparison writes nothing to the registry. The list is held (ImportComparison) only
  until the coordinator imports from it or discards it, and a day at most.
- Each row is matched to a registered child by, in this order: the same ID number (keyed
  hash), the same name + birth date + guardian phone, the same name in pinyin + birth date
  + county (services.duplicates.detect). A match in the coordinator's counties is
  ``same`` or ``differs`` (field by field, only for the columns the list has); a match
  elsewhere is ``elsewhere`` and shows only its county. An unmatched row is ``new``,
  unless its external_id already names another child (``id_taken``: importing it would
  overwrite that child). Rows that fail the field rules are ``problem``.
- Only ``new`` rows can be imported: all of them or the chosen ones, all-or-nothing
  through the usual children import (services.imports.children). The import deletes the
  held list; the comparison and the import are audited.
"""

import logging
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from core.clock import now
from core.crypto import lookup_hash
from core.errors import NotFound
from models import Child, ImportComparison, ImportJob, User
from services.access import audit
from services.access.policy import county_scope
from services.duplicates.detect import id_number_key, pinyin_key
from services.imports.children import import_children, prepare_child
from services.imports.common import CHUNK, ImportFailed, Problems, RowProblem, clean_rows, locate
from services.imports.reader import read_ledger
from services.regions import RegionTree
from services.registry.children import clean_child
from services.shared.taxonomy import N_

log = logging.getLogger(__name__)

#: A held list older than this is deleted at the next comparison.
KEEP_FOR = timedelta(days=1)
#: Fields compared, when the list has the column (the guardian phone by its hash).
COMPARED = ("name", "gender", "birth_date", "region_code", "township", "category",
            "sub_type", "hukou_region_code", "needs", "priority", "guardian_name",
            "guardian_relation", "guardian_phone", "school")
STATUSES = ("new", "differs", "same", "elsewhere", "id_taken", "problem")
RULE_LABELS = {"id_number": N_("Same ID number"),
               "name_birth_phone": N_("Same name, birth date and guardian phone"),
               "pinyin_birth_county": N_("Same name in pinyin, birth date and county")}


@dataclass
class Difference:
    field: str
    ours: object
    theirs: object


@dataclass
class RowResult:
    """One row of the list and what the registry holds for it."""

    row: int
    external_id: str
    name: str
    status: str
    rule: str = ""
    child_id: int | None = None
    #: The county of a match outside the coordinator's counties (nothing else of it).
    other_county: str = ""
    differences: list[Difference] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


@dataclass
class Comparison:
    id: int
    rows: list[RowResult]

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def new_rows(self) -> list[int]:
        return [r.row for r in self.rows if r.status == "new"]


def hold(session: Session, actor: User, data: bytes) -> ImportComparison:
    """Keep an uploaded list for its comparison; old held lists are deleted first."""
    session.execute(delete(ImportComparison).where(
        or_(ImportComparison.created_at < now() - KEEP_FOR,
            ImportComparison.actor_id == actor.id)).execution_options(
        synchronize_session=False))
    read_ledger(data, "children")  # refuses at once a file that is no children ledger
    held = ImportComparison(actor_id=actor.id, data=data)
    session.add(held)
    session.flush()
    return held


def get_held(session: Session, actor: User, comparison_id: int) -> ImportComparison:
    """The actor's own held list, else NotFound (nobody reads another's upload)."""
    held = session.get(ImportComparison, comparison_id)
    if held is None or held.actor_id != actor.id or held.created_at < now() - KEEP_FOR:
        raise NotFound()
    return held


def compare(session: Session, actor: User, held: ImportComparison, tree: RegionTree,
            *, record: bool = True) -> Comparison:
    """Each row of the held list against the registry; writes nothing but the audit."""
    ledger = read_ledger(held.data, "children")
    raws: dict[int, dict] = {}

    def kept(rows):
        for number, raw in rows:
            raws[number] = dict(raw)
            yield number, raw

    problems = Problems()
    cleaned = clean_rows(kept(ledger.rows), lambda raw, c: clean_child(raw, tree, c), problems,
                         prepare=prepare_child(tree, county_scope(session, actor)))
    locate(problems, ledger)
    results = [_bad_row(number, raws[number], [p for p in problems if p.row == number])
               for number in sorted({p.row for p in problems})]
    results += _match(session, actor, ledger.fields, cleaned)
    results.sort(key=lambda r: r.row)
    comparison = Comparison(held.id, results)
    if record:
        audit.record(session, actor, "children.compare", "comparison", held.id,
                     **{status: comparison.count(status) for status in STATUSES})
    return comparison


def _bad_row(number: int, raw: dict, problems: list[RowProblem]) -> RowResult:
    return RowResult(number, str(raw.get("external_id") or ""), str(raw.get("name") or ""),
                     "problem", problems=problems)


def _lookup(session: Session, column, keys: set) -> dict:
    """Children whose ``column`` is one of ``keys``, by that key (lowest id first)."""
    found: dict = {}
    keys = sorted(k for k in keys if k)
    for start in range(0, len(keys), CHUNK):
        stmt = select(Child).where(column.in_(keys[start:start + CHUNK]),
                                   Child.anonymised_at.is_(None)).order_by(Child.id)
        for child in session.execute(stmt).scalars():
            found.setdefault(getattr(child, column.key), []).append(child)
    return found


def _match(session: Session, actor: User, header: list[str], cleaned) -> list[RowResult]:
    keys = []
    for _, values in cleaned:
        keys.append((id_number_key(values["id_number"]),
                     lookup_hash(values["guardian_phone"]),
                     pinyin_key(values["name"], values["birth_date"], values["region_code"])))
    by_id = _lookup(session, Child.id_number_hash, {k[0] for k in keys})
    by_phone = _lookup(session, Child.guardian_phone_hash, {k[1] for k in keys})
    by_pinyin = _lookup(session, Child.pinyin_key_hash, {k[2] for k in keys})
    ids = sorted({v["external_id"] for _, v in cleaned if v["external_id"]})
    taken = set()
    for start in range(0, len(ids), CHUNK):
        taken.update(session.execute(select(Child.external_id).where(
            Child.external_id.in_(ids[start:start + CHUNK]))).scalars())
    scope = county_scope(session, actor)
    results = []
    for (number, values), (id_key, phone_key, spelt_key) in zip(cleaned, keys, strict=True):
        result = RowResult(number, values["external_id"] or "", values["name"], "new")
        candidates = [
            ("id_number", by_id.get(id_key, []) if id_key else []),
            ("name_birth_phone", [c for c in by_phone.get(phone_key, [])
                                  if c.name == values["name"]
                                  and c.birth_date == values["birth_date"]]),
            ("pinyin_birth_county", by_pinyin.get(spelt_key, []) if spelt_key else []),
        ]
        rule, child = next(((r, found[0]) for r, found in candidates if found), ("", None))
        if scope is not None and values["region_code"] not in scope:
            result.status = "problem"
            result.problems = [RowProblem(number, "region_code", "You do not cover region "
                                          "%(value)s.", {"value": values["region_code"]})]
        elif child is None:
            if values["external_id"] and values["external_id"] in taken:
                result.status = "id_taken"
        elif scope is not None and child.region_code not in scope:
            result.status, result.rule, result.other_county = "elsewhere", rule, \
                child.region_code
        else:
            result.rule, result.child_id = rule, child.id
            result.differences = _differences(header, values, child)
            result.status = "differs" if result.differences else "same"
        results.append(result)
    return results


def _differences(header: list[str], values: dict, child: Child) -> list[Difference]:
    differences = []
    for name in COMPARED:
        if name not in header:
            continue
        theirs, ours = values.get(name), getattr(child, name)
        if name == "guardian_phone":
            if lookup_hash(theirs) != child.guardian_phone_hash:
                differences.append(Difference(name, ours, theirs))
            continue
        if (theirs or None) != (ours or None):
            differences.append(Difference(name, ours, theirs))
    return differences


def import_new(session: Session, actor: User, held: ImportComparison, tree: RegionTree,
               chosen: list[int] | None = None) -> ImportJob:
    """Import the new rows (or the chosen ones among them) all-or-nothing, then delete
    the held list. A chosen row that is not new refuses the whole import."""
    comparison = compare(session, actor, held, tree, record=False)
    new = set(comparison.new_rows)
    wanted = sorted(set(chosen)) if chosen is not None else sorted(new)
    not_new = [number for number in wanted if number not in new]
    if not_new:
        raise ImportFailed(problems=[RowProblem(n, "row", N_(
            "This row is not new (it is already registered, or has a problem); only new "
            "rows can be imported from a comparison.")) for n in not_new])
    if not wanted:
        raise ImportFailed(N_("No row to import: choose at least one new row."))
    ledger = read_ledger(held.data, "children")
    chosen_rows = set(wanted)
    job = import_children(session, actor, replace(
        ledger, rows=((n, raw) for n, raw in ledger.rows if n in chosen_rows), total=len(wanted)),
        tree)
    audit.record(session, actor, "children.compare_import", "comparison", held.id,
                 rows=wanted, job=job.id)
    session.delete(held)
    session.flush()
    log.info("comparison %s: %s new rows imported by user %s", held.id, len(wanted), actor.id)
    return job


def discard(session: Session, held: ImportComparison) -> None:
    session.delete(held)
    session.flush()
