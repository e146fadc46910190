"""What the importers share: the row report, column checks and bulk upserts."""

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from core.clock import now
from models import ImportJob, User
from services.access import audit
from services.access.policy import county_scope
from services.regions import RegionTree
from services.shared.bulk import upsert_rows
from services.shared.taxonomy import N_
from services.shared.validation import Checker, Invalid

CHUNK = 2000
#: Rows checked, and rows saved, between two progress reports.
REPORT_EVERY = 2000
SAVE_CHUNK = 10000

#: ``progress(phase, fraction)``: "checking" or "saving", the share of that phase done.
Progress = Callable[[str, float], None]


def no_progress(phase: str, fraction: float) -> None:
    """Imports run at once (API, command line) report progress to no one."""


#: Problems kept per refused file; beyond these only their count per kind is kept.
MAX_PROBLEMS = 1000


@dataclass
class RowProblem:
    """What is wrong with one row: the row as Excel numbers it, the field, the message;
    ``cell`` (the column's letter) and ``header`` (as written) once located."""

    row: int
    column: str
    message: str
    params: dict = field(default_factory=dict)
    cell: str = ""
    header: str = ""


class Problems(list):
    """The first MAX_PROBLEMS problems, the count of every problem by message, and the
    rows that have one: a file with a million bad cells costs a thousand."""

    def __init__(self, limit: int = MAX_PROBLEMS):
        super().__init__()
        self.limit = limit
        self.total = 0
        self.counts: dict[str, int] = {}
        self.rows: set[int] = set()

    def append(self, problem: RowProblem) -> None:
        self.total += 1
        self.counts[problem.message] = self.counts.get(problem.message, 0) + 1
        self.rows.add(problem.row)
        if len(self) < self.limit:
            super().append(problem)

    def extend(self, problems) -> None:
        for problem in problems:
            self.append(problem)


class ImportFailed(Exception):
    """Nothing was written; ``problems`` lists the bad rows (or ``message`` the file)."""

    def __init__(self, message: str = "", problems: list[RowProblem] | None = None, **params):
        super().__init__(message or f"{len(problems or [])} bad rows")
        problems = problems if problems is not None else []
        rows = getattr(problems, "rows", {p.row for p in problems})
        self.message = message or N_("%(n)s rows have problems; correct them in the file "
                                     "and upload it again.")
        self.params = params or {"n": len(rows)}
        self.problems = sorted(problems, key=lambda p: p.row)
        self.total = getattr(problems, "total", len(problems))
        self.counts = getattr(problems, "counts", {})


def locate(problems, ledger) -> None:
    """Name each problem's cell: its column's letter and header as the ledger writes it."""
    for problem in problems:
        problem.cell = ledger.letter(problem.column)
        problem.header = ledger.written.get(problem.column, "")


def clean_rows(rows, clean, problems: list[RowProblem], progress: Progress = no_progress,
               *, total: int = 0, prepare=None) -> list[tuple[int, dict]]:
    """Clean every ``(row number, raw)`` with ``clean(raw, checker)``, collecting problems.

    ``prepare(raw, fail)`` first turns county-style values into codes; a field it finds
    wrong is not reported again by ``clean``.
    """
    cleaned = []
    seen: dict[str, int] = {}
    for done, (number, raw) in enumerate(rows):
        if done % REPORT_EVERY == 0 and total:
            progress("checking", min(done / total, 1.0))
        checker = Checker(raw)
        if prepare is not None:
            prepare(raw, checker.fail)
        prepared = len(checker.problems)
        flagged = {p.field for p in checker.problems}
        external_id = checker.text("external_id", required=False)
        if external_id in seen:
            checker.fail("external_id", "Duplicate external_id %(value)s (also on row %(row)s).",
                         value=external_id, row=seen[external_id])
        elif external_id:
            seen[external_id] = number
        try:
            values = clean(raw, checker)
        except Invalid as error:
            first = {}
            for index, p in enumerate(error.problems):
                if index >= prepared and p.field in flagged:
                    continue  # already reported, in the county's own words
                first.setdefault((p.field, p.message), p)
            problems.extend(RowProblem(number, p.field, p.message, p.params)
                            for p in first.values())
            continue
        values["external_id"] = external_id or None
        cleaned.append((number, values))
    progress("checking", 1.0)
    return cleaned


def existing_by_external_id(session: Session, table: Table, ids: list[str], *columns):
    """Map external_id → row (of ``columns``) for the ids already in the table."""
    found = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        stmt = select(table.c.external_id, *columns).where(table.c.external_id.in_(chunk))
        found.update({row[0]: row for row in session.execute(stmt)})
    return found


def check_scope(session: Session, actor: User, table: Table, cleaned, problems,
                taken_message: str, tree: RegionTree | None = None) -> dict:
    """Rows must lie in the actor's counties and may only update records there.

    With ``tree``, a county the actor does not cover is named as well as coded.

    Returns the existing rows by external_id (their count is the number of updates).
    """
    scope = county_scope(session, actor)
    existing = existing_by_external_id(session, table, [v["external_id"] for _, v in cleaned],
                                       table.c.region_code)
    if scope is None:
        return existing
    for number, values in cleaned:
        if values["region_code"] not in scope:
            code = values["region_code"]
            named = f"{tree.full_name(code)} {code}" if tree is not None else code
            problems.append(RowProblem(number, "region_code", "You do not cover region "
                                       "%(value)s.", {"value": named}))
        old = existing.get(values["external_id"])
        if old is not None and old.region_code not in scope:
            problems.append(RowProblem(number, "external_id", taken_message,
                                       {"value": values["external_id"]}))
    return existing


def start_job(session: Session, kind: str, actor: User, cleaned, problems,
              job: ImportJob | None = None, **fields) -> ImportJob:
    """Refuse the whole file if any row has a problem; else open the import's record.

    A queued import's record (``job``) already exists; it is left untouched until
    :func:`finish_job`, so progress can be written to it meanwhile from elsewhere.
    """
    if problems:
        raise ImportFailed(problems=problems)
    if job is not None:
        return job
    job = ImportJob(kind=kind, actor_id=actor.id, rows=len(cleaned), **fields)
    session.add(job)
    session.flush()
    return job


def finish_job(session: Session, job: ImportJob, cleaned, existing: dict,
               unchanged: int = 0) -> None:
    """Close the import's record and audit it: rows created, changed (existing rows less
    the ``unchanged`` ones left alone)."""
    job.rows = len(cleaned)
    job.updated = len(existing) - unchanged
    job.created = len(cleaned) - len(existing)
    job.status, job.phase, job.progress = "done", "done", 1.0
    job.finished_at = now()
    session.flush()
    actor = session.get(User, job.actor_id)
    audit.record(session, actor, f"{job.kind}.import", "import", job.id, created=job.created,
                 updated=job.updated, vetted=job.vetted)


def save_rows(session: Session, table: Table, records: list[dict], key: str,
              progress: Progress = no_progress, **options) -> None:
    """Upsert the records in chunks, reporting the share saved after each."""

    progress("saving", 0.0)
    for start in range(0, len(records), SAVE_CHUNK):
        upsert_rows(session, table, records[start:start + SAVE_CHUNK], key, **options)
        progress("saving", min(start + SAVE_CHUNK, len(records)) / len(records))
