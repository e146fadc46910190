"""The engine against independent solvers on seeded random instances.

Feasibility is re-derived here from the published rules with the math module,
so the checks do not share code with the engine.
"""

import math

import numpy as np
import pytest
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

from services.matching.engine import PRIORITIES, TIERS, ChildIn, VolunteerIn, match

CODES = ("academic", "emotional", "daily_life", "safety")


def distance_km(c, v):
    p1, p2 = math.radians(c.lat), math.radians(v.lat)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(v.lng - c.lng) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def quality(c, v):
    """Quality of a feasible pair, or None when a rule other than capacity fails."""
    d = distance_km(c, v)
    shared = c.needs & v.skills
    if (
        not shared
        or (v.child_gender is not None and v.child_gender != c.gender)
        or (v.age_min is not None and c.age < v.age_min)
        or (v.age_max is not None and c.age > v.age_max)
        or d > v.max_distance_km
    ):
        return None
    return 60 * len(shared) / len(c.needs) + 40 * (1 - d / v.max_distance_km)


def feasible_pairs(children, volunteers, rejected):
    return {
        (c.id, v.id): q
        for c in children
        for v in volunteers
        if v.free_capacity > 0 and (c.id, v.id) not in rejected and (q := quality(c, v)) is not None
    }


def random_instance(rng, n_children, n_volunteers, max_cap, spread_km=30.0, repair_share=0.0):
    def point():
        return 23.0 + rng.uniform(0, spread_km) / 111.2, 108.0 + rng.uniform(0, spread_km) / 102.4

    def codes(lo, hi):
        return frozenset(rng.choice(CODES, int(rng.integers(lo, hi + 1)), replace=False).tolist())

    children = [
        ChildIn(
            i,
            *point(),
            codes(1, 3),
            "MF"[rng.integers(2)],
            int(rng.integers(6, 15)),
            PRIORITIES[rng.integers(3)],
            bool(rng.random() < repair_share),
        )
        for i in range(1, n_children + 1)
    ]
    volunteers = []
    for j in range(1, n_volunteers + 1):
        age_min = int(rng.integers(5, 11)) if rng.random() < 0.3 else None
        age_max = int(rng.integers(9, 16)) if rng.random() < 0.3 else None
        volunteers.append(
            VolunteerIn(
                100 + j,
                *point(),
                codes(1, 3),
                int(rng.integers(0, max_cap + 1)),
                float(rng.uniform(5, 40)),
                None if rng.random() < 0.7 else "MF"[rng.integers(2)],
                age_min,
                age_max,
            )
        )
    rejected = {(c.id, v.id) for c in children for v in volunteers if rng.random() < 0.08}
    return children, volunteers, rejected


def score(children, chosen, qualities):
    """(children paired per priority, re-pair children paired per priority, quality).

    The published order: urgent, high, normal counts first; then, among those, the
    re-pair children of each priority (urgent first); then total quality.
    """
    priority = {c.id: c.priority for c in children}
    repair = {c.id for c in children if c.repair}
    counts = tuple(sum(priority[c] == p for c, _ in chosen) for p in PRIORITIES)
    repaired = tuple(sum(priority[c] == p and c in repair for c, _ in chosen)
                     for p in PRIORITIES)
    return counts + repaired, sum(qualities[pair] for pair in chosen)


def brute_force(children, volunteers, feasible):
    """Best (counts, quality) over every assignment, by depth-first enumeration."""
    capacity = {v.id: v.free_capacity for v in volunteers}
    options = {c.id: [v for (ci, v) in feasible if ci == c.id] for c in children}
    best = None

    def visit(i, chosen):
        nonlocal best
        if i == len(children):
            s = score(children, chosen, feasible)
            if best is None or s > best:
                best = s
            return
        cid = children[i].id
        visit(i + 1, chosen)
        for v in options[cid]:
            if capacity[v] > 0:
                capacity[v] -= 1
                chosen.append((cid, v))
                visit(i + 1, chosen)
                chosen.pop()
                capacity[v] += 1

    visit(0, [])
    return best


def weighted_reference(children, volunteers, feasible):
    """Best (counts, quality) from one min-cost flow with big lexicographic weights.

    Weights follow the published order: a child of a priority counts more than
    everything the lower priorities, every re-pair bonus and quality can add up
    to; a re-pair child then earns a bonus worth more than all lower bonuses and
    quality. The weights grow with a power of the size (the cube without
    re-pair children, the sixth power with them): only safe for small
    instances, which is why the engine does not work this way.
    """
    m = 2 * len(children) + 2
    q_weight = {pair: round(q * 1000) for pair, q in feasible.items()}
    # Lowest first: quality, then the bonuses (normal, high, urgent), then the priorities.
    present = [p for p in reversed(PRIORITIES) if any(c.repair and c.priority == p
                                                      for c in children)]
    weight, bonus, tier_weight = 100_000, {}, {}
    for p in present:
        weight *= m
        bonus[p] = weight
    for p in reversed(PRIORITIES):
        weight *= m
        tier_weight[p] = weight
    tier = {c.id: tier_weight[c.priority] + (bonus.get(c.priority, 0) if c.repair else 0)
            for c in children}
    c_node = {c.id: i for i, c in enumerate(children)}
    v_node = {v.id: len(children) + j for j, v in enumerate(volunteers)}
    sink = len(children) + len(volunteers)
    flow = SimpleMinCostFlow()
    keys = list(feasible)
    for cid, vid in keys:
        flow.add_arc_with_capacity_and_unit_cost(
            c_node[cid], v_node[vid], 1, -(tier[cid] + q_weight[(cid, vid)])
        )
    for c in children:
        flow.add_arc_with_capacity_and_unit_cost(c_node[c.id], sink, 1, 0)  # stays unpaired
        flow.set_node_supply(c_node[c.id], 1)
    for v in volunteers:
        flow.add_arc_with_capacity_and_unit_cost(v_node[v.id], sink, v.free_capacity, 0)
    flow.set_node_supply(sink, -len(children))
    assert flow.solve() == SimpleMinCostFlow.OPTIMAL
    chosen = [keys[a] for a in range(len(keys)) if flow.flow(a)]
    return score(children, chosen, feasible)


def check_result(children, volunteers, rejected, feasible, result):
    """Every proposal is feasible with correct scores; capacities and uniqueness hold."""
    by_child = [p.child_id for p in result.proposals]
    assert len(by_child) == len(set(by_child))
    cap = {v.id: v.free_capacity for v in volunteers}
    for p in result.proposals:
        assert (p.child_id, p.volunteer_id) in feasible
        assert p.quality == pytest.approx(feasible[(p.child_id, p.volunteer_id)], abs=1e-9)
        cap[p.volunteer_id] -= 1
    assert min(cap.values(), default=0) >= 0
    assert set(result.unpaired) == {c.id for c in children} - set(by_child)
    # A child with no feasible pair cannot be reported as merely out of places.
    has_option = {cid for cid, _ in feasible}
    for cid, reason in result.unpaired.items():
        if cid in has_option:
            assert reason == "at_capacity"


def assert_same_optimum(engine, reference, n_pairs):
    assert engine[0] == reference[0]
    assert engine[1] == pytest.approx(reference[1], abs=0.001 * max(n_pairs, 1))


def assert_optimal(children, volunteers, rejected, reference):
    """Run the engine, check its result is valid and as good as ``reference`` (a function
    of children, volunteers and the feasible pairs); return the result."""
    feasible = feasible_pairs(children, volunteers, rejected)
    result = match(children, volunteers, rejected)
    check_result(children, volunteers, rejected, feasible, result)
    chosen = [(p.child_id, p.volunteer_id) for p in result.proposals]
    assert_same_optimum(score(children, chosen, feasible),
                        reference(children, volunteers, feasible), len(chosen))
    return result


@pytest.mark.parametrize("seed", range(300))
def test_engine_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    children, volunteers, rejected = random_instance(
        rng,
        int(rng.integers(1, 7)),
        int(rng.integers(1, 5)),
        max_cap=2,
        spread_km=float(rng.uniform(5, 40)),
    )
    assert_optimal(children, volunteers, rejected, brute_force)


@pytest.mark.parametrize("seed", range(60))
def test_engine_matches_weighted_flow_when_places_are_scarce(seed):
    # Many more children than places: the case where the solver prunes edges.
    rng = np.random.default_rng(10_000 + seed)
    children, volunteers, rejected = random_instance(
        rng,
        int(rng.integers(20, 60)),
        int(rng.integers(3, 12)),
        max_cap=3,
        spread_km=float(rng.uniform(10, 60)),
    )
    assert_optimal(children, volunteers, rejected, weighted_reference)


def test_tiers_put_re_pair_children_first_within_their_priority():
    assert TIERS == (("urgent", True), ("urgent", False), ("high", True), ("high", False),
                     ("normal", True), ("normal", False))


@pytest.mark.parametrize("seed", range(300))
def test_engine_with_re_pair_children_matches_brute_force(seed):
    rng = np.random.default_rng(20_000 + seed)
    children, volunteers, rejected = random_instance(
        rng,
        int(rng.integers(1, 8)),
        int(rng.integers(1, 5)),
        max_cap=2,
        spread_km=float(rng.uniform(5, 40)),
        repair_share=0.4,
    )
    result = assert_optimal(children, volunteers, rejected, brute_force)
    assert {p.child_id for p in result.proposals if p.repair} <= {c.id for c in children
                                                                  if c.repair}


@pytest.mark.parametrize("seed", range(60))
def test_engine_with_re_pair_children_matches_weighted_flow_when_scarce(seed):
    # Up to 22 children keeps the sixth-power weights far inside int64.
    rng = np.random.default_rng(30_000 + seed)
    children, volunteers, rejected = random_instance(
        rng,
        int(rng.integers(10, 23)),
        int(rng.integers(2, 7)),
        max_cap=3,
        spread_km=float(rng.uniform(10, 60)),
        repair_share=0.4,
    )
    assert_optimal(children, volunteers, rejected, weighted_reference)
