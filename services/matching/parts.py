"""A large run solved on several workers: its independent components dealt into parts.

No candidate pair joins two components of the candidate graph, so each component can be
solved on its own and the union of the solutions is the run's exact solution. The run's
own task loads the region, builds the candidates and splits them; the children with no
candidate are saved as unpaired at once, and the components are dealt into parts of
about equal size (by candidate pairs), one ``MatchRunPart`` row each. A task per part
loads just the part's children and volunteers, builds their candidates again (the same
pairs: a component is closed) and solves them with the same solver. Components are solved
in a canonical order (people by id, pairs by child then volunteer), so the proposals are
the ones a single process would make. The last part to finish marks the run done.
"""

import heapq
import logging
import time
from collections.abc import Callable

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.clock import now
from models import Child, MatchRun, MatchRunPart, Proposal, UnpairedChild
from services.matching import engine
from services.matching.failures import NOT_PROVEN, fail_run
from services.matching.store import insert_result, load_inputs, withdraw_open_proposals

log = logging.getLogger(__name__)


def deal(components, parts: int) -> list[list[int]]:
    """Component indices per part: largest first, each to the part with fewest pairs."""
    bins = [(0, n, []) for n in range(min(parts, len(components)))]
    for index, comp in enumerate(components):
        edges, n, members = heapq.heappop(bins)
        members.append(index)
        heapq.heappush(bins, (edges + comp.n_edges, n, members))
    return [members for _, _, members in sorted(bins, key=lambda b: b[1]) if members]


def dispatch(session: Session, run: MatchRun, inputs, cands, components,
             parts: int) -> list[list[int]]:
    """Save the run's fixed part (children without candidates), create the parts and
    return the components of each part (indices into ``components``; part 0 is the
    largest). The caller commits, queues a task for every part but the first, and solves
    the first itself with the candidates it already has (``solve_here``)."""
    withdraw_open_proposals(session, run, inputs.counties)
    with_pairs = np.isin(cands.child_ids, np.concatenate([c.child_ids for c in components]))
    alone = cands.child_ids[~with_pairs].tolist()
    unpaired = engine.unpaired_reasons(cands, cands.child_ids[with_pairs].tolist())
    insert_result(session, run, [], {cid: unpaired[cid] for cid in alone})
    dealt = deal(components, parts)
    for part_no, members in enumerate(dealt):
        chosen = [components[i] for i in members]
        session.add(MatchRunPart(
            run_id=run.id, part_no=part_no,
            child_ids=sorted(int(c) for comp in chosen for c in comp.child_ids),
            volunteer_ids=sorted(int(v) for comp in chosen for v in comp.volunteer_ids),
            candidates=sum(comp.n_edges for comp in chosen), seconds={}))
    run.phase, run.progress = "solving", 0.3
    run.stats = {"children": len(cands.child_ids), "volunteers": len(cands.volunteer_ids),
                 "candidates": len(cands), "components": len(components),
                 "parts": len(dealt), "seconds": {}}
    session.flush()
    log.info("match run %s split into %s parts over %s components", run.id, len(dealt),
             len(components))
    return dealt


def solve_part(session: Session, run_id: int, part_no: int, *,
               commit: Callable[[], None],
               beat: Callable[[int], None] = lambda run_id: None,
               memory_mb: int | None = None) -> bool:
    """Solve and save one part; False if it was saved already (a second delivery) or the
    run is no longer running. ``beat(run_id)`` is called now and then as a sign of life."""
    part = session.execute(select(MatchRunPart).where(
        MatchRunPart.run_id == run_id, MatchRunPart.part_no == part_no)).scalar_one()
    run = session.get(MatchRun, run_id)
    if part.status == "done" or run.status != "running":
        return False
    started = time.perf_counter()
    inputs = load_inputs(session, run, part.child_ids, part.volunteer_ids)
    loading = time.perf_counter() - started
    commit()
    try:
        result = engine.match(inputs.children, inputs.volunteers, inputs.rejected,
                              progress=lambda phase, fraction: beat(run_id),
                              max_pairs=engine.pairs_within(memory_mb))
    except engine.MatchingSolverError as failure:
        return _fail(session, run_id, part_no, failure, commit=commit)
    seconds = {"loading": round(loading, 3), **result.stats["seconds"]}
    return _save(session, run_id, part_no, result.proposals, result.unpaired, seconds,
                 commit=commit)


def solve_here(session: Session, run_id: int, part_no: int, cands, components, *,
               commit: Callable[[], None]) -> bool:
    """Solve a part from components already built (the dispatching worker's own part):
    the same solver on the same components, without loading or building them again."""
    started = time.perf_counter()
    try:
        result = engine.solve(cands, components)
    except engine.MatchingSolverError as failure:
        return _fail(session, run_id, part_no, failure, commit=commit)
    members = {cid for comp in components for cid in comp.child_ids.tolist()}
    unpaired = {cid: why for cid, why in result.unpaired.items() if cid in members}
    return _save(session, run_id, part_no, result.proposals, unpaired,
                 {"solving": round(time.perf_counter() - started, 3)}, commit=commit)


def _fail(session: Session, run_id: int, part_no: int, failure: Exception, *,
          commit: Callable[[], None]) -> bool:
    """A part whose pairing is not proven optimal fails the whole run (the other parts
    then find it no longer running and save nothing more)."""
    log.error("match run %s part %s failed: %s", run_id, part_no, failure)
    fail_run(session, run_id, NOT_PROVEN)
    commit()
    return False


def _save(session: Session, run_id: int, part_no: int, proposals, unpaired: dict,
          seconds: dict, *, commit: Callable[[], None]) -> bool:
    """Save a part's result in the transaction that marks it done (once only)."""
    claimed = session.execute(
        update(MatchRunPart)
        .where(MatchRunPart.run_id == run_id, MatchRunPart.part_no == part_no,
               MatchRunPart.status == "queued")
        .values(status="done", finished_at=now(), seconds=seconds)
        .execution_options(synchronize_session=False)).rowcount
    run = session.get(MatchRun, run_id)
    if claimed != 1 or run.status != "running":
        session.rollback()
        return False
    insert_result(session, run, proposals, unpaired)
    session.execute(update(MatchRun).where(MatchRun.id == run_id).values(heartbeat_at=now()))
    commit()
    log.info("match run %s part %s: %s proposed", run_id, part_no, len(proposals))
    finish_if_complete(session, run_id, commit=commit)
    return True


def finish_if_complete(session: Session, run_id: int, *, commit: Callable[[], None]) -> None:
    """Mark the run done once every part is saved, with its statistics; else update its
    progress. Safe when two last parts finish at once: the run turns done once."""
    parts = dict(session.execute(
        select(MatchRunPart.status, func.count()).where(MatchRunPart.run_id == run_id)
        .group_by(MatchRunPart.status)).tuples().all())
    total, done = sum(parts.values()), parts.get("done", 0)
    if done < total:
        session.execute(update(MatchRun).where(MatchRun.id == run_id,
                                               MatchRun.status == "running").values(
            progress=round(0.3 + 0.7 * done / total, 3), heartbeat_at=now()))
        commit()
        return
    run = session.get(MatchRun, run_id)
    by_priority = dict(session.execute(
        select(Proposal.priority, func.count()).where(Proposal.run_id == run_id)
        .group_by(Proposal.priority)).tuples().all())
    unpaired = session.execute(select(func.count()).select_from(UnpairedChild).where(
        UnpairedChild.run_id == run_id)).scalar_one()
    repair = session.execute(select(func.count()).select_from(Proposal).join(
        Child, Child.id == Proposal.child_id).where(
        Proposal.run_id == run_id, Child.repair_needed_since.is_not(None))).scalar_one()
    seconds = session.execute(select(MatchRunPart.seconds).where(
        MatchRunPart.run_id == run_id)).scalars().all()
    stats = dict(run.stats)
    stats.update({
        "proposed": sum(by_priority.values()),
        "proposed_by_priority": {p: by_priority.get(p, 0) for p in engine.PRIORITIES},
        "proposed_repair": repair,
        "unpaired": unpaired,
        "seconds": {**stats.get("seconds", {}),
                    "parts_solving": round(sum(s.get("solving", 0) for s in seconds), 3)},
    })
    finished = session.execute(
        update(MatchRun).where(MatchRun.id == run_id, MatchRun.status == "running")
        .values(status="done", phase="done", progress=1.0, finished_at=now(), stats=stats)
        .execution_options(synchronize_session=False)).rowcount
    commit()
    if finished:
        log.info("match run %s done: %s proposed for %s children", run_id,
                 stats["proposed"], stats["children"])
