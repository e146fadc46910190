"""Ledger imports sent from the web pages, run as background jobs with progress.

The upload is stored with a queued job; a worker claims the job, checks every row and
saves them all in one transaction, or nothing (the job then records every row's problem).
Progress (rows checked, then rows saved) goes to the job's row in short transactions of
its own, for the page that polls it. The file is deleted when the job ends.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import now
from models import Child, ImportJob, ImportUpload, User
from services.duplicates.detect import RowDuplicates
from services.duplicates.review import notices_for
from services.imports import (
    MAX_ROWS,
    ImportFailed,
    import_children,
    import_volunteers,
    mappings,
    read_ledger,
)
from services.imports.markup import KEEP_REFUSED
from services.regions import region_tree
from services.shared.taxonomy import N_

log = logging.getLogger(__name__)

#: Share of the whole import each phase starts and ends at, for one progress bar.
PHASES = {"checking": (0.0, 0.5), "saving": (0.5, 1.0)}
IMPORTERS = {"children": import_children, "volunteers": import_volunteers}
INTERNAL_ERROR = N_("The import stopped because of an internal error; nothing was saved. "
                    "Send the file again.")
WORKER_LOST = N_("The import stopped because its worker stopped; nothing was saved. "
                 "Send the file again.")
#: A running import not ended after this long has lost its worker (a 100,000-row ledger
#: takes well under a minute). Its rows were never saved: they are written in the
#: transaction that ends the import.
STALE_IMPORT = timedelta(minutes=30)


def queue_import(session: Session, actor: User, kind: str, data: bytes, *,
                 vetted: bool = False, submission: str | None = None) -> ImportJob:
    """Store the file with a queued import of ``kind`` by ``actor``.

    ``submission`` is the upload form's one-time token (callers look for an earlier send
    first, with ``sent_before``); two sends at once race on the unique token, and the
    second gets the first import back.
    """
    job = ImportJob(kind=kind, actor_id=actor.id, status="queued", phase="queued",
                    vetted=vetted and kind == "volunteers",
                    submission=(submission or "")[:64] or None)
    session.add(job)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()  # nothing else was written yet in this request
        return sent_before(session, actor, submission)
    session.add(ImportUpload(job_id=job.id, data=data))
    session.flush()
    log.info("%s import %s queued by user %s (%s bytes)", kind, job.id, actor.id, len(data))
    return job


def sent_before(session: Session, actor: User, submission: str | None) -> ImportJob | None:
    """The import this upload form already started, if it was sent before."""
    if not submission:
        return None
    return session.execute(select(ImportJob).where(
        ImportJob.submission == submission[:64], ImportJob.actor_id == actor.id)
    ).scalar_one_or_none()


def share(phase: str, fraction: float) -> float:
    """The share of the whole import done at ``fraction`` of ``phase``."""
    start, end = PHASES[phase]
    return round(start + min(max(fraction, 0.0), 1.0) * (end - start), 3)


def execute_import(session: Session, job_id: int, *, commit: Callable[[], None],
                   progress: Callable[[int, str, float], None] | None = None,
                   max_rows: int = MAX_ROWS) -> ImportJob | None:
    """Run a queued import to the end; None if another worker already took it.

    ``progress(job_id, phase, share)`` is told of rows checked and saved. The rows are
    written in one transaction with the job's outcome; a refused file writes nothing but
    the job's failure and its problems.
    """
    claimed = session.execute(
        update(ImportJob).where(ImportJob.id == job_id, ImportJob.status == "queued")
        .values(status="running", phase="checking", started_at=now())
        .execution_options(synchronize_session=False)).rowcount
    commit()
    if claimed != 1:
        log.info("import %s was already taken", job_id)
        return None
    report = progress or (lambda *args: None)
    job = session.get(ImportJob, job_id)
    try:
        upload = session.get(ImportUpload, job_id)
        actor = session.get(User, job.actor_id) if job.actor_id else None
        if upload is None or actor is None or not actor.active:
            raise ImportFailed("The import could not start; send the file again.")
        ledger = read_ledger(upload.data, job.kind, max_rows=max_rows,
                             mapping=mappings.remembered(session, actor.id, job.kind))
        options = {"vetted": job.vetted} if job.kind == "volunteers" else {}
        IMPORTERS[job.kind](session, actor, ledger, region_tree(session), job=job,
                            progress=lambda phase, f: report(job_id, phase, share(phase, f)),
                            **options)
        job.duplicates = [{"row": r.row, "external_id": r.external_id,
                           "child_id": r.notices[0].child_id}
                          for r in getattr(job, "duplicate_rows", None) or [] if r.notices]
        session.execute(delete(ImportUpload).where(ImportUpload.job_id == job_id))
        commit()
    except ImportFailed as failure:
        session.rollback()
        #: A file refused for its rows is kept a day, for the download that marks them.
        fail_import(session, job_id, failure_report(failure),
                    keep_file=bool(failure.problems) or "missing" in failure.params)
        commit()
    log.info("import %s ended", job_id)
    return session.get(ImportJob, job_id)


def failure_report(failure: ImportFailed) -> dict:
    """A refused file's message and row problems, as stored on the job (the first values
    of its columns are not stored: they are read from the kept file when shown)."""
    params = dict(failure.params)
    if "choices" in params:
        params["choices"] = [{k: v for k, v in c.items() if k != "preview"}
                             for c in params["choices"]]
    return {"message": failure.message, "params": params,
            "problems": [{"row": p.row, "column": p.column, "cell": p.cell,
                          "header": p.header, "message": p.message, "params": p.params}
                         for p in failure.problems],
            "total": failure.total,
            "counts": [{"message": m, "n": n} for m, n in failure.counts.items()][:50]}


def fail_import(session: Session, job_id: int, error: dict | None = None, *,
                keep_file: bool = False) -> None:
    """Mark an import failed (nothing of it was written) and delete its file, unless it
    is kept for the marked-up download (``keep_file``)."""
    session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
        status="failed", phase="done", error=error or {"message": INTERNAL_ERROR,
                                                       "params": {}, "problems": []},
        finished_at=now()))
    if not keep_file:
        session.execute(delete(ImportUpload).where(ImportUpload.job_id == job_id))


def import_again(session: Session, actor: User, job: ImportJob,
                 chosen: dict[str, str]) -> ImportJob | None:
    """Remember the columns ``actor`` chose for the fields ``job`` could not find, and
    queue its file again; None if the file is no longer kept."""
    data = refused_file(session, job)
    if data is None:
        return None
    mappings.remember(session, actor.id, job.kind, chosen)
    return queue_import(session, actor, job.kind, data, vetted=job.vetted)


def column_choices(session: Session, job: ImportJob) -> list[dict]:
    """The refused file's columns with their first values, for choosing missing ones."""
    data = refused_file(session, job)
    if data is None:
        return []
    try:
        read_ledger(data, job.kind)
    except ImportFailed as failure:
        return failure.params.get("choices", [])
    return []


def refused_file(session: Session, job: ImportJob) -> bytes | None:
    """The uploaded file of a refused import, while it is kept for the marked download."""
    if job.status != "failed" or not job.finished_at or \
            job.finished_at < now() - KEEP_REFUSED:
        return None
    upload = session.get(ImportUpload, job.id)
    return upload.data if upload is not None else None


def recover_imports(session: Session, moment: datetime, waiting: timedelta) -> list[int]:
    """Fail imports whose worker died, so none stays "running" forever; return the ids of
    imports queued longer than ``waiting`` (their message was lost) to queue again."""
    lost = session.execute(select(ImportJob.id).where(
        ImportJob.status == "running",
        ImportJob.started_at < moment - STALE_IMPORT)).scalars().all()
    for job_id in lost:
        fail_import(session, job_id, {"message": WORKER_LOST, "params": {}, "problems": []})
    if lost:
        log.warning("%s imports lost their worker and were marked failed", len(lost))
    session.execute(delete(ImportUpload).where(ImportUpload.job_id.in_(
        select(ImportJob.id).where(ImportJob.status == "failed",
                                   ImportJob.finished_at < moment - KEEP_REFUSED))))
    return list(session.execute(select(ImportJob.id).where(
        ImportJob.status == "queued", ImportJob.started_at < moment - waiting)).scalars())


def duplicate_rows(session: Session, viewer: User, job: ImportJob) -> list[RowDuplicates]:
    """The imported rows that may be children already registered, as ``viewer`` may see
    them (pairs decided since the import are no longer listed)."""

    rows = {d["child_id"]: d for d in job.duplicates or []}
    names = dict(session.execute(select(Child.id, Child.name).where(Child.id.in_(rows))).all())
    found: dict[int, RowDuplicates] = {}
    for notice in notices_for(session, viewer, list(rows)):
        row = rows[notice.child_id]
        found.setdefault(row["row"], RowDuplicates(row["row"], row["external_id"], name=names.get(
            notice.child_id, ""))).notices.append(notice)
    return [found[number] for number in sorted(found)]
