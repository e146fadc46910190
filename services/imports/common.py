"""What the importers share: the row report, column checks and bulk upserts."""

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from core.clock import now
from models import ImportJob, User
from services.access import audit
from services.access.policy import county_scope
from services.shared.bulk import upsert_rows
from services.shared.validation import Checker, Invalid

CHUNK = 2000
#: Rows checked, and rows saved, between two progress reports.
REPORT_EVERY = 2000
SAVE_CHUNK = 10000

#: ``progress(phase, fraction)``: "checking" or "saving", the share of that phase done.
Progress = Callable[[str, float], None]


def no_progress(phase: str, fraction: float) -> None:
    """Imports run at once (API, command line) report progress to no one."""


@dataclass
class RowProblem:
    """What is wrong with one row: the spreadsheet row number, the column, the message."""

    row: int
    column: str
    message: str
    params: dict = field(default_factory=dict)


class ImportFailed(Exception):
    """Nothing was written; ``problems`` lists every bad row (or ``message`` the file)."""

    def __init__(self, message: str = "", problems: list[RowProblem] | None = None, **params):
        super().__init__(message or f"{len(problems or [])} bad rows")
        self.message = message or "Nothing was imported: %(n)s rows have problems."
        self.params = params or {"n": len({p.row for p in problems or []})}
        self.problems = problems or []


def check_columns(header: list[str], required: tuple[str, ...]) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportFailed("Missing columns: %(columns)s. The first row must name the "
                           "columns: %(expected)s.", columns=", ".join(missing),
                           expected=",".join(required))


def clean_rows(rows: list[dict], clean, problems: list[RowProblem],
               progress: Progress = no_progress) -> list[tuple[int, dict]]:
    """Clean every row with ``clean(raw, checker)``, collecting problems with row numbers."""
    cleaned = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(rows, start=2):
        if (number - 2) % REPORT_EVERY == 0:
            progress("checking", (number - 2) / len(rows))
        checker = Checker(raw)
        external_id = checker.text("external_id")
        if external_id in seen:
            checker.fail("external_id", "Duplicate external_id %(value)s (also on row %(row)s).",
                         value=external_id, row=seen[external_id])
        elif external_id:
            seen[external_id] = number
        try:
            values = clean(raw, checker)
        except Invalid as error:
            problems.extend(RowProblem(number, p.field, p.message, p.params)
                            for p in error.problems)
            continue
        values["external_id"] = external_id
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
                taken_message: str) -> dict:
    """Rows must lie in the actor's counties and may only update records there.

    Returns the existing rows by external_id (their count is the number of updates).
    """
    scope = county_scope(session, actor)
    existing = existing_by_external_id(session, table, [v["external_id"] for _, v in cleaned],
                                       table.c.region_code)
    if scope is None:
        return existing
    for number, values in cleaned:
        if values["region_code"] not in scope:
            problems.append(RowProblem(number, "region_code", "You do not cover region "
                                       "%(value)s.", {"value": values["region_code"]}))
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
        raise ImportFailed(problems=sorted(problems, key=lambda p: p.row))
    if job is not None:
        return job
    job = ImportJob(kind=kind, actor_id=actor.id, rows=len(cleaned), **fields)
    session.add(job)
    session.flush()
    return job


def finish_job(session: Session, job: ImportJob, cleaned, existing: dict) -> None:

    job.rows = len(cleaned)
    job.updated = len(existing)
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
