"""Matching runs: load a region's children and volunteers, run the engine, save proposals.

The published rules live in the engine (services.matching); this module decides who is
considered: children of the region with a current guardian consent and no active pair
(those waiting to be paired again are favoured, services.repairing), and vetted
volunteers of the region (free capacity = capacity - active pairs). Locations fall back
to the centre of the person's county.
"""

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Integer, any_, bindparam, exists, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from models import Child, ConsentRecord, MatchRun, Pair, Proposal, UnpairedChild, User, Volunteer
from services import matching, twins
from services.bulk import insert_rows
from services.clock import age_on, now, today_local
from services.errors import DomainError
from services.policy import covers_region
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
                queue_parts: Callable[[int, list[int]], None] | None = None
                ) -> MatchRun | None:
    """Run a queued run to the end; ``commit`` ends each phase's transaction.

    The run is claimed with one conditional UPDATE, so a run queued twice (a broker
    redelivery, a re-queue after an outage) is executed once; None if it was taken.
    The engine works outside any write transaction, so progress can be written by
    ``progress(run_id, phase, fraction)`` in short transactions of its own. With
    ``parts`` > 1 and ``queue_parts``, a run with several independent components is
    split over workers (services.match_parts) and finished by the last of them.
    """
    report = progress or (lambda *args: None)
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
    cands = matching.build_candidates(inputs.children, inputs.volunteers, inputs.rejected)
    components = matching.split_components(cands)
    candidates_seconds = round(time.perf_counter() - started, 3)
    engine_progress("candidates", 1.0)
    if parts > 1 and queue_parts is not None and len(components) > 1:
        from services.match_parts import dispatch, solve_here

        run = session.get(MatchRun, run_id)
        dealt = dispatch(session, run, inputs, cands, components, parts)
        run.stats = {**run.stats, "seconds": {"loading": round(loading_seconds, 3),
                                              "candidates": candidates_seconds}}
        commit()
        queue_parts(run_id, list(range(1, len(dealt))))
        solve_here(session, run_id, 0, cands, [components[i] for i in dealt[0]],
                   commit=commit)
        return session.get(MatchRun, run_id)
    result = matching.solve(cands, components, engine_progress)
    result.stats["seconds"] = {"candidates": candidates_seconds, **result.stats["seconds"]}
    report(run_id, "saving", _PHASE_START["saving"])
    started = time.perf_counter()
    run = session.get(MatchRun, run_id)
    save_result(session, run, inputs, result)
    stats = dict(result.stats)
    stats["seconds"] = {"loading": round(loading_seconds, 3), **stats["seconds"],
                        "saving": round(time.perf_counter() - started, 3)}
    run.stats = stats
    run.status, run.phase, run.progress, run.finished_at = "done", "done", 1.0, now()
    commit()
    log.info("match run %s done: %s proposed for %s children", run_id, stats["proposed"],
             stats["children"])
    return run


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


def fail_run(session: Session, run_id: int, message: str) -> None:
    """Mark a run failed with a message for the coordinator."""
    session.execute(update(MatchRun).where(MatchRun.id == run_id).values(
        status="failed", error=message, finished_at=now()))


def _shared_code_sets():
    """Parse ';'-joined codes once per distinct string (there are only a few hundred)."""
    cache: dict[str, frozenset[str]] = {}

    def codes(text: str) -> frozenset[str]:
        found = cache.get(text)
        if found is None:
            found = cache[text] = frozenset(text.split(";"))
        return found

    return codes


class RunInputs:
    """What one run considers, as the engine's plain records."""

    def __init__(self, children, volunteers, rejected, counties):
        self.children = children
        self.volunteers = volunteers
        self.rejected = rejected
        self.counties = counties


def _only(session: Session, column, ids) -> list:
    """A filter to ``ids`` when given: one array parameter on PostgreSQL; elsewhere (SQLite
    caps bound parameters) the rows are narrowed after loading, see ``_narrow``."""
    if ids is None or session.get_bind().dialect.name != "postgresql":
        return []
    return [column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))]


def _narrow(rows, ids) -> list:
    if ids is None:
        return rows
    wanted = set(ids)
    return [row for row in rows if row[0] in wanted]


def load_inputs(session: Session, run: MatchRun, child_ids=None,
                volunteer_ids=None) -> RunInputs:
    """The children and volunteers of the run's region, as the published rules select,
    in id order; ``child_ids``/``volunteer_ids`` narrow them to one part of the run."""
    tree = region_tree(session)
    counties = sorted(tree.leaves_under([run.region_code]))
    centre = {code: (tree.get(code).latitude, tree.get(code).longitude) for code in counties}
    consented = exists().where(ConsentRecord.child_id == Child.id,
                               ConsentRecord.withdrawn_at.is_(None))
    paired = exists().where(Pair.child_id == Child.id, Pair.status == "active")
    rows = session.execute(
        select(Child.id, Child.latitude, Child.longitude, Child.region_code, Child.needs,
               Child.gender, Child.birth_date, Child.priority,
               Child.repair_needed_since.is_not(None))
        .where(Child.region_code.in_(counties), consented, ~paired,
               ~twins.taken_twin_clause(counties), *_only(session, Child.id, child_ids))
        .order_by(Child.id)
    ).tuples().all()
    rows = _narrow(rows, child_ids)
    later = twins.later_twins(session, counties, {row[0] for row in rows})
    rows = [row for row in rows if row[0] not in later]
    codes = _shared_code_sets()
    ages: dict = {}
    children = []
    for child_id, lat, lng, county, needs, gender, birth, priority, repair in rows:
        age = ages.get(birth)
        if age is None:
            age = ages[birth] = age_on(birth, run.run_date)
        if lat is None or lng is None:
            lat, lng = centre[county]
        children.append(matching.ChildIn(child_id, lat, lng, codes(needs), gender, age,
                                         priority, bool(repair)))
    rows = session.execute(
        select(Volunteer.id, Volunteer.latitude, Volunteer.longitude, Volunteer.region_code,
               Volunteer.skills, Volunteer.capacity, Volunteer.active_pairs,
               Volunteer.max_distance_km, Volunteer.child_gender, Volunteer.age_min,
               Volunteer.age_max)
        .where(Volunteer.region_code.in_(counties), Volunteer.status == "vetted",
               *_only(session, Volunteer.id, volunteer_ids))
        .order_by(Volunteer.id)
    ).all()
    rows = _narrow(rows, volunteer_ids)
    volunteers = [
        matching.VolunteerIn(
            id=r.id, lat=r.latitude if r.latitude is not None else centre[r.region_code][0],
            lng=r.longitude if r.longitude is not None else centre[r.region_code][1],
            skills=codes(r.skills),
            free_capacity=max(r.capacity - r.active_pairs, 0),
            max_distance_km=r.max_distance_km, child_gender=r.child_gender,
            age_min=r.age_min, age_max=r.age_max)
        for r in rows
    ]
    rejected = set(session.execute(
        select(Proposal.child_id, Proposal.volunteer_id)
        .join(Child, Child.id == Proposal.child_id)
        .where(Proposal.status == "rejected", Child.region_code.in_(counties))
    ).tuples().all())
    return RunInputs(children, volunteers, rejected, counties)


def save_result(session: Session, run: MatchRun, inputs: RunInputs, result) -> None:
    """Withdraw the region's still-open proposals and store this run's, in bulk."""
    withdraw_open_proposals(session, run, inputs.counties)
    insert_result(session, run, result.proposals, result.unpaired)


def withdraw_open_proposals(session: Session, run: MatchRun, counties) -> None:
    """Open proposals of earlier runs over these counties are replaced by this run's."""
    session.execute(
        update(Proposal)
        .where(Proposal.status == "open", Proposal.run_id != run.id,
               Proposal.child_id.in_(select(Child.id).where(Child.region_code.in_(counties))))
        .values(status="withdrawn", decided_at=now()))


def insert_result(session: Session, run: MatchRun, proposals, unpaired: dict) -> None:
    """Store proposals (engine records) and unpaired children (id → reason), in bulk."""
    insert_rows(session, Proposal.__table__, [
        {"run_id": run.id, "child_id": p.child_id, "volunteer_id": p.volunteer_id,
         "distance_km": round(p.distance_km, 3), "quality": round(p.quality, 3),
         "need_score": round(p.need_score, 3), "distance_score": round(p.distance_score, 3),
         "matched_needs": ";".join(p.matched_needs), "priority": p.priority,
         "status": "open", "reject_reason": ""}
        for p in proposals
    ])
    insert_rows(session, UnpairedChild.__table__, [
        {"run_id": run.id, "child_id": child_id, "reason": reason}
        for child_id, reason in unpaired.items()])


def open_proposal_count(session: Session, run_id: int) -> int:
    return session.execute(select(func.count()).select_from(Proposal).where(
        Proposal.run_id == run_id, Proposal.status == "open")).scalar_one()
