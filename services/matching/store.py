"""What a run reads and writes: the children and volunteers it may pair, and its proposals.

Inputs are loaded by id (so two runs over the same data see the same order); children
already paired, linked to a paired twin, or without consent are left out. Saving first
withdraws the open proposals of the run's counties, so a new run replaces the last one.
"""


from sqlalchemy import Integer, any_, bindparam, exists, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from core.clock import age_on, now
from models import Child, MatchRun, Pair, Proposal, UnpairedChild, Volunteer
from services.duplicates import links
from services.matching import engine
from services.regions import region_tree
from services.shared.bulk import insert_rows, read_rows


class _CodeSets(dict):
    """';'-joined codes → their set, parsed once per distinct string (there are only a few
    hundred); a hit is a plain dict look-up, with no Python call per row."""

    def __missing__(self, text: str) -> frozenset[str]:
        found = self[text] = frozenset(text.split(";"))
        return found


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
    paired = exists().where(Pair.child_id == Child.id, Pair.status == "active")
    # Plain column reads, without the ORM's per-row loading.
    waiting = (
        select(Child.id, Child.latitude, Child.longitude, Child.region_code, Child.needs,
               Child.gender, Child.birth_date, Child.priority,
               Child.repair_needed_since.is_not(None))
        # ``consenting`` is kept with the consent records in the same transaction (the
        # registry, the importer; a test checks they always agree): one column read, not
        # a semi-join of every child to the consent records.
        .where(Child.region_code.in_(counties), Child.consenting, ~paired,
               ~links.taken_twin_clause(counties), *_only(session, Child.id, child_ids))
        .order_by(Child.id))
    rows = _narrow(read_rows(session, waiting), child_ids)
    later = links.later_twins(session, counties, {row[0] for row in rows})
    rows = [row for row in rows if row[0] not in later]
    codes = _CodeSets()
    ages: dict = {}
    children = []
    for child_id, lat, lng, county, needs, gender, birth, priority, repair in rows:
        age = ages.get(birth)
        if age is None:
            age = ages[birth] = age_on(birth, run.run_date)
        if lat is None or lng is None:
            lat, lng = centre[county]
        children.append(engine.ChildIn(child_id, lat, lng, codes[needs], gender, age,
                                         priority, bool(repair)))
    vetted = (
        select(Volunteer.id, Volunteer.latitude, Volunteer.longitude, Volunteer.region_code,
               Volunteer.skills, Volunteer.capacity, Volunteer.active_pairs,
               Volunteer.max_distance_km, Volunteer.child_gender, Volunteer.age_min,
               Volunteer.age_max)
        .where(Volunteer.region_code.in_(counties), Volunteer.status == "vetted",
               *_only(session, Volunteer.id, volunteer_ids))
        .order_by(Volunteer.id))
    rows = _narrow(read_rows(session, vetted), volunteer_ids)
    volunteers = []
    for (volunteer_id, lat, lng, county, skills, capacity, active, reach, child_gender,
         age_min, age_max) in rows:
        if lat is None or lng is None:
            lat, lng = centre[county]
        volunteers.append(engine.VolunteerIn(
            volunteer_id, lat, lng, codes[skills], max(capacity - active, 0), reach,
            child_gender, age_min, age_max))
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
    session.execute(withdraw_statement(run.id, counties))


def withdraw_statement(run_id: int, counties):
    return (update(Proposal)
            .where(Proposal.status == "open", Proposal.run_id != run_id,
                   Proposal.child_id.in_(select(Child.id)
                                         .where(Child.region_code.in_(counties))))
            .values(status="withdrawn", decided_at=now()))


def insert_result(session: Session, run: MatchRun, proposals, unpaired: dict) -> None:
    """Store proposals (engine records) and unpaired children (id → reason), in bulk."""
    insert_proposals(session, run.id, proposals)
    insert_rows(session, UnpairedChild.__table__, [
        {"run_id": run.id, "child_id": child_id, "reason": reason}
        for child_id, reason in unpaired.items()])


def insert_proposals(session: Session, run_id: int, proposals) -> None:
    insert_rows(session, Proposal.__table__, [
        {"run_id": run_id, "child_id": p.child_id, "volunteer_id": p.volunteer_id,
         "distance_km": round(p.distance_km, 3), "quality": round(p.quality, 3),
         "need_score": round(p.need_score, 3), "distance_score": round(p.distance_score, 3),
         "matched_needs": ";".join(p.matched_needs), "priority": p.priority,
         "status": "open", "reject_reason": ""}
        for p in proposals
    ])
