"""Matching runs on a worker: thin wrapper around services.matching.runs."""

import logging
from datetime import timedelta

from celery import shared_task
from flask import current_app
from sqlalchemy import update

from core.clock import now
from extensions import db
from models import MatchRun
from services.matching import parts
from services.matching.runs import execute_run, fail_run, recover_runs
from tasks.queueing import enqueue_from_worker

log = logging.getLogger(__name__)


def write_progress(run_id: int, phase: str, fraction: float) -> None:
    """Record progress in a short transaction of its own, for the page that polls it."""
    with db.engine.begin() as conn:
        conn.execute(update(MatchRun).where(MatchRun.id == run_id).values(
            phase=phase, progress=round(fraction, 3), heartbeat_at=now()))


@shared_task(name="matching.run", acks_late=True)
def run_matching(run_id: int) -> None:
    """Execute a queued matching run; a failure marks the run failed, never stuck.

    With MATCH_PARTS > 1 a run with several independent components is solved by
    ``matching.solve_part`` tasks on whichever workers are free."""

    def queue_parts(run_id: int, numbers: list[int]) -> None:
        for part_no in numbers:
            enqueue_from_worker("matching.solve_part", run_id, part_no)

    _guarded(run_id, lambda: execute_run(
        db.session, run_id, commit=db.session.commit, progress=write_progress,
        parts=current_app.config["MATCH_PARTS"], queue_parts=queue_parts,
        memory_mb=current_app.config["MATCH_MEMORY_MB"]))


@shared_task(name="matching.solve_part", acks_late=True)
def solve_part(run_id: int, part_no: int) -> None:
    """Solve one part of a split run; the last part to finish completes the run."""
    _guarded(run_id, lambda: parts.solve_part(
        db.session, run_id, part_no, commit=db.session.commit, beat=write_heartbeat,
        memory_mb=current_app.config["MATCH_MEMORY_MB"]))


def write_heartbeat(run_id: int) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(MatchRun).where(MatchRun.id == run_id).values(heartbeat_at=now()))


def _guarded(run_id: int, work) -> None:
    try:
        work()
    except Exception:
        log.exception("match run %s failed", run_id)
        db.session.rollback()
        fail_run(db.session, run_id, "The run stopped because of an internal error; "
                                     "start it again.")
        db.session.commit()


@shared_task(name="matching.recover")
def recover() -> None:
    """Every minute: fail runs whose worker died, queue again runs that still wait."""

    waiting = recover_runs(db.session, now(),
                           timedelta(seconds=current_app.config["MATCH_REQUEUE_SECONDS"]))
    db.session.commit()
    for run_id in waiting:
        enqueue_from_worker("matching.run", run_id)
