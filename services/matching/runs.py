"""Matching runs: load a region's children and volunteers, run the engine, save proposals.

The published rules live in the engine (services.matching.engine); this module decides who is
considered: children of the region with a current guardian consent and no active pair
(those waiting to be paired again are favoured, services.pairs.repairing), and vetted
volunteers of the region (free capacity = capacity - active pairs). Locations fall back
to the centre of the person's county.
"""

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.clock import now, today_local
from core.errors import DomainError
from models import MatchRun, Proposal, User
from services.access.policy import covers_region
from services.matching import engine
from services.matching.failures import NOT_PROVEN, TOO_LARGE, fail_run
from services.matching.parts import dispatch, solve_here
from services.matching.saving import SavingAhead, can_save_ahead
from services.matching.store import load_inputs, save_result
from services.regions import region_tree

log = logging.getLogger(__name__)

#: Share of the whole run each phase ends at, for one progress bar.
PHASE_END = {"loading": 0.1, "candidates": 0.3, "solving": 0.9, "saving": 1.0}
_PHASE_START = {"loading": 0.0, "candidates": 0.1, "solving": 0.3, "saving": 0.9}


def start_run(session: Session, actor: User | None, region_code: str) -> MatchRun:
    """Create a queued run for a region the actor covers (whole of it)."""
    tree = region_tree(session)
    if tree.get(region_code) is None:
        raise DomainError("Unknown region code %(value)s.", value=region_code)
    if actor is not None and not covers_whole_region(session, actor, region_code):
        raise DomainError("You do not cover region %(value)s.", value=region_code)
    run = MatchRun(region_code=region_code, started_by_id=actor.id if actor else None,
                   run_date=today_local(), stats={})
    session.add(run)
    session.flush()
    log.info("match run %s queued for %s", run.id, region_code)
    return run


def covers_whole_region(session: Session, actor: User, region_code: str) -> bool:
    leaves = region_tree(session).leaves_under([region_code])
    return bool(leaves) and all(covers_region(session, actor, code) for code in leaves)


def execute_run(session: Session, run_id: int, *, commit: Callable[[], None],
                progress: Callable[[int, str, float], None] | None = None,
                parts: int = 1,
                queue_parts: Callable[[int, list[int]], None] | None = None,
                memory_mb: int | None = None) -> MatchRun | None:
    """Run a queued run to the end; ``commit`` ends each phase's transaction.

    The run is claimed with one conditional UPDATE, so a run queued twice (a broker
    redelivery, a re-queue after an outage) is executed once; None if it was taken.
    The engine works outside any write transaction, so progress can be written by
    ``progress(run_id, phase, fraction)`` in short transactions of its own. With
    ``parts`` > 1 and ``queue_parts``, a run with several independent components is
    split over workers (services.matching.parts) and finished by the last of them.
    ``memory_mb`` (MATCH_MEMORY_MB) caps the run: a region whose candidate pairs would
    not fit is stopped while they are being built and failed with ``TOO_LARGE``. A
    pairing that fails its optimality certificate (engine.certificate) fails the run with
    ``NOT_PROVEN`` before anything is committed: the certificate is checked on a thread of
    its own while the proposals are written, and a failed one rolls them back.
    """
    report = progress or (lambda *args: None)
    engine.warm_up_beside()  # the kernels load while the inputs are read
    claimed = session.execute(
        update(MatchRun).where(MatchRun.id == run_id, MatchRun.status == "queued")
        .values(status="running", phase="loading", started_at=now(), heartbeat_at=now())
        .execution_options(synchronize_session=False)).rowcount
    commit()
    if claimed != 1:
        log.info("match run %s was already taken", run_id)
        return None
    run = session.get(MatchRun, run_id)
    started = time.perf_counter()
    inputs = load_inputs(session, run)
    loading_seconds = time.perf_counter() - started
    commit()

    def engine_progress(phase: str, fraction: float) -> None:
        if phase in _PHASE_START:
            share = _PHASE_START[phase] + fraction * (PHASE_END[phase] - _PHASE_START[phase])
            report(run_id, phase, share)

    engine_progress("candidates", 0.0)
    started = time.perf_counter()
    try:
        cands = engine.build_candidates(inputs.children, inputs.volunteers, inputs.rejected,
                                        max_pairs=engine.pairs_within(memory_mb))
    except engine.TooManyCandidates as refused:
        del inputs
        log.warning("match run %s refused: %s (MATCH_MEMORY_MB=%s)", run_id, refused,
                    memory_mb)
        fail_run(session, run_id, TOO_LARGE)
        commit()
        return session.get(MatchRun, run_id)
    components = engine.split_components(cands, release=True)
    candidates_seconds = round(time.perf_counter() - started, 3)
    engine_progress("candidates", 1.0)
    if parts > 1 and queue_parts is not None and len(components) > 1:

        run = session.get(MatchRun, run_id)
        dealt = dispatch(session, run, inputs, cands, components, parts)
        run.stats = {**run.stats, "seconds": {"loading": round(loading_seconds, 3),
                                              "candidates": candidates_seconds}}
        commit()
        queue_parts(run_id, list(range(1, len(dealt))))
        solve_here(session, run_id, 0, cands, [components[i] for i in dealt[0]],
                   commit=commit)
        return session.get(MatchRun, run_id)
    pending: list = []
    # What needs no pairing is written while the engine solves (services.matching.saving).
    ahead = (SavingAhead(session, run_id, inputs.counties, cands)
             if can_save_ahead(session) else None)
    try:
        result = engine.solve(cands, components, engine_progress, certify_later=pending)
    except BaseException as failure:
        if ahead is not None:
            ahead.abandon()
            session.rollback()
        if isinstance(failure, engine.MatchingSolverError):
            return _not_proven(session, run_id, failure, commit)
        raise
    result.stats["seconds"] = {"candidates": candidates_seconds, **result.stats["seconds"]}
    report(run_id, "saving", _PHASE_START["saving"])
    # The pairings are proven optimal while they are written: nothing is committed
    # before the certificate has passed, and a failed one rolls the writing back.
    certification = engine.Certification(pending)
    started = time.perf_counter()
    try:
        if ahead is None:
            save_result(session, session.get(MatchRun, run_id), inputs, result)
        else:
            ahead.finish(result)
        certifying = certification.wait()
    except engine.MatchingSolverError as failure:
        session.rollback()
        return _not_proven(session, run_id, failure, commit)
    except BaseException:
        session.rollback()
        certification.wait_quietly()
        raise
    stats = dict(result.stats)
    stats["seconds"] = {"loading": round(loading_seconds, 3), **stats["seconds"],
                        "saving": round(time.perf_counter() - started, 3)}
    if pending:
        # Beside the saving, not part of "solving" (as it is in a run split in parts).
        stats["seconds"]["certifying"] = round(certifying, 3)
    if ahead is not None:
        # Beside the solving: the withdrawals and the unpaired children.
        stats["seconds"]["saving_ahead"] = round(ahead.seconds, 3)
    run = session.get(MatchRun, run_id)
    run.stats = stats
    run.status, run.phase, run.progress, run.finished_at = "done", "done", 1.0, now()
    commit()
    log.info("match run %s done: %s proposed for %s children", run_id, stats["proposed"],
             stats["children"])
    return run


def _not_proven(session: Session, run_id: int, failure: Exception,
                commit: Callable[[], None]) -> MatchRun | None:
    log.error("match run %s failed: %s", run_id, failure)
    fail_run(session, run_id, NOT_PROVEN)
    commit()
    return session.get(MatchRun, run_id)


#: A running run whose worker has not reported for this long has lost its worker.
STALE_RUN = timedelta(minutes=10)
#: A queued run not picked up for this long is queued again (e.g. after a broker outage).
WAITING_RUN = timedelta(minutes=2)


def recover_runs(session: Session, moment: datetime,
                 waiting: timedelta = WAITING_RUN) -> list[int]:
    """Fail runs whose worker died; return the ids of runs waiting (longer than
    ``waiting``) to be queued again.

    A run is never left "running" forever: one whose heartbeat stopped is marked failed,
    with a message asking to start it again.
    """
    failed = session.execute(
        update(MatchRun)
        .where(MatchRun.status == "running", MatchRun.heartbeat_at < moment - STALE_RUN)
        .values(status="failed", finished_at=moment,
                error="The run stopped because its worker stopped; start it again.")
        .execution_options(synchronize_session=False)).rowcount
    if failed:
        log.warning("%s match runs lost their worker and were marked failed", failed)
    return list(session.execute(select(MatchRun.id).where(
        MatchRun.status == "queued", MatchRun.created_at < moment - waiting)).scalars())


def open_proposal_count(session: Session, run_id: int) -> int:
    return session.execute(select(func.count()).select_from(Proposal).where(
        Proposal.run_id == run_id, Proposal.status == "open")).scalar_one()
