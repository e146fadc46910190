"""Matching runs on a worker: thin wrapper around services.match_runs."""

import logging
from datetime import timedelta

from celery import shared_task
from flask import current_app
from sqlalchemy import update

from extensions import db
from models import MatchRun
from services.clock import now
from services.match_runs import execute_run, fail_run, recover_runs

log = logging.getLogger(__name__)


def write_progress(run_id: int, phase: str, fraction: float) -> None:
    """Record progress in a short transaction of its own, for the page that polls it."""
    with db.engine.begin() as conn:
        conn.execute(update(MatchRun).where(MatchRun.id == run_id).values(
            phase=phase, progress=round(fraction, 3), heartbeat_at=now()))


@shared_task(name="matching.run", acks_late=True)
def run_matching(run_id: int) -> None:
    """Execute a queued matching run; a failure marks the run failed, never stuck."""
    try:
        execute_run(db.session, run_id, commit=db.session.commit, progress=write_progress)
    except Exception:
        log.exception("match run %s failed", run_id)
        db.session.rollback()
        fail_run(db.session, run_id, "The run stopped because of an internal error; "
                                     "start it again.")
        db.session.commit()


@shared_task(name="matching.recover")
def recover() -> None:
    """Every minute: fail runs whose worker died, queue again runs that still wait."""
    from tasks import enqueue_from_worker

    waiting = recover_runs(db.session, now(),
                           timedelta(seconds=current_app.config["MATCH_REQUEUE_SECONDS"]))
    db.session.commit()
    for run_id in waiting:
        enqueue_from_worker("matching.run", run_id)
