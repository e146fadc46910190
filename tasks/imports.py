"""Ledger imports on a worker: thin wrapper around services.imports.jobs."""

import logging
from datetime import timedelta

from celery import shared_task
from flask import current_app
from sqlalchemy import update

from core.clock import now
from extensions import db
from models import ImportJob
from services.imports.jobs import execute_import, fail_import, recover_imports
from tasks.queueing import enqueue_from_worker

log = logging.getLogger(__name__)


def write_progress(job_id: int, phase: str, fraction: float) -> None:
    """Record progress in a short transaction of its own, for the page that polls it.

    SQLite has one writer at a time: while the import's own transaction is saving rows
    there, only its end is recorded (PostgreSQL records every step)."""
    if phase == "saving" and db.engine.dialect.name == "sqlite":
        return
    with db.engine.begin() as conn:
        conn.execute(update(ImportJob).where(ImportJob.id == job_id).values(
            phase=phase, progress=fraction))


@shared_task(name="imports.run", acks_late=True)
def run_import(job_id: int) -> None:
    """Run a queued import; an unexpected error marks it failed (nothing saved), never
    stuck."""
    try:
        execute_import(db.session, job_id, commit=db.session.commit, progress=write_progress,
                       max_rows=current_app.config["IMPORT_MAX_ROWS"])
    except Exception:
        log.exception("import %s failed", job_id)
        db.session.rollback()
        fail_import(db.session, job_id)
        db.session.commit()


@shared_task(name="imports.recover")
def recover() -> None:
    """Every minute: fail imports whose worker died, queue again imports that still wait."""

    waiting = recover_imports(db.session, now(),
                              timedelta(seconds=current_app.config["MATCH_REQUEUE_SECONDS"]))
    db.session.commit()
    for job_id in waiting:
        enqueue_from_worker("imports.run", job_id)
