"""Rules, scores, ordering and plumbing of the matching engine."""

import json
import math
import pickle

import numpy as np
import pytest

from services.matching.engine import (
    AT_CAPACITY,
    NO_NEED_MATCH,
    NO_VOLUNTEER_IN_REACH,
    PREFERENCE_MISMATCH,
    REJECTED_BEFORE,
    ChildIn,
    Component,
    VolunteerIn,
    build_candidates,
    haversine_km,
    match,
    solve_component,
    solver,
    split_components,
)

BASE_LAT, BASE_LNG = 22.8, 108.3
KM_PER_DEG_LAT = 6371.0 * math.pi / 180


def child(
    id=1, needs=("academic",), gender="F", age=10, priority="normal", north_km=0.0, east_km=0.0
):
    lat = BASE_LAT + north_km / KM_PER_DEG_LAT
    lng = BASE_LNG + east_km / (KM_PER_DEG_LAT * math.cos(math.radians(lat)))
    return ChildIn(id, lat, lng, frozenset(needs), gender, age, priority)


def vol(
    id=101,
    skills=("academic",),
    cap=1,
    max_km=20.0,
    gender=None,
    age_min=None,
    age_max=None,
    north_km=0.0,
    east_km=0.0,
):
    lat = BASE_LAT + north_km / KM_PER_DEG_LAT
    lng = BASE_LNG + east_km / (KM_PER_DEG_LAT * math.cos(math.radians(lat)))
    return VolunteerIn(id, lat, lng, frozenset(skills), cap, max_km, gender, age_min, age_max)


def pairs(result):
    return {(p.child_id, p.volunteer_id) for p in result.proposals}


# ---------------------------------------------------------------- geometry


def test_haversine_nanning_to_guilin():
    assert haversine_km(22.817, 108.366, 25.274, 110.290) == pytest.approx(335.86, abs=0.1)


def test_haversine_is_symmetric_and_zero_on_same_point():
    assert haversine_km(22.8, 108.3, 22.8, 108.3) == 0.0
    assert haversine_km(22.8, 108.3, 23.1, 109.0) == haversine_km(23.1, 109.0, 22.8, 108.3)


# ---------------------------------------------------------------- feasibility rules


@pytest.mark.parametrize(
    "child_kw, vol_kw, rejected, reason",
    [
        ({}, {}, set(), None),
        ({}, {"cap": 0}, set(), AT_CAPACITY),
        ({"needs": ("health",)}, {"skills": ("academic", "legal")}, set(), NO_NEED_MATCH),
        ({"needs": ("health", "legal")}, {"skills": ("legal",)}, set(), None),
        ({"gender": "M"}, {"gender": "F"}, set(), PREFERENCE_MISMATCH),
        ({"gender": "F"}, {"gender": "F"}, set(), None),
        ({"age": 8}, {"age_min": 8}, set(), None),
        ({"age": 7}, {"age_min": 8}, set(), PREFERENCE_MISMATCH),
        ({"age": 12}, {"age_max": 12}, set(), None),
        ({"age": 13}, {"age_max": 12}, set(), PREFERENCE_MISMATCH),
        ({"age": 10}, {"age_min": 10, "age_max": 10}, set(), None),
        ({"north_km": 25.0}, {"max_km": 20.0}, set(), NO_VOLUNTEER_IN_REACH),
        ({}, {}, {(1, 101)}, REJECTED_BEFORE),
        ({}, {}, {(1, 999), (999, 101)}, None),
    ],
    ids=[
        "baseline",
        "capacity-0",
        "no-shared-need",
        "one-shared-need",
        "gender-excluded",
        "gender-accepted",
        "age-min-inclusive",
        "age-below-min",
        "age-max-inclusive",
        "age-above-max",
        "age-both-bounds-equal",
        "out-of-reach",
        "rejected-pair",
        "other-rejections-ignored",
    ],
)
def test_feasibility_rule(child_kw, vol_kw, rejected, reason):
    result = match([child(**child_kw)], [vol(**vol_kw)], rejected)
    if reason is None:
        assert pairs(result) == {(1, 101)}
        assert result.unpaired == {}
    else:
        assert result.proposals == []
        assert result.unpaired == {1: reason}


@pytest.mark.parametrize(
    "north_km, east_km", [(12.5, 0.0), (0.0, 17.3), (-9.1, 6.4), (30.0, -30.0)]
)
def test_distance_exactly_at_limit_is_feasible_and_just_above_is_not(north_km, east_km):
    c = child(north_km=north_km, east_km=east_km)
    v = vol()
    d = haversine_km(c.lat, c.lng, v.lat, v.lng)
    at_limit = VolunteerIn(101, v.lat, v.lng, v.skills, 1, d, None, None, None)
    below = VolunteerIn(101, v.lat, v.lng, v.skills, 1, math.nextafter(d, 0.0), None, None, None)
    result = match([c], [at_limit])
    assert pairs(result) == {(1, 101)}
    assert result.proposals[0].distance_km == d
    assert result.proposals[0].distance_score == 0.0
    assert match([c], [below]).unpaired == {1: NO_VOLUNTEER_IN_REACH}


def test_capacity_zero_volunteers_never_become_candidates():
    cands = build_candidates([child(1), child(2)], [vol(101, cap=0), vol(102, cap=1)])
    assert set(cands.volunteer_ids[cands.volunteer].tolist()) == {102}


def test_invalid_input_is_rejected():
    with pytest.raises(ValueError):
        match([child(1), child(1)], [vol()])
    with pytest.raises(ValueError):
        match([child(needs=())], [vol()])
    with pytest.raises(ValueError):
        match([child(priority="low")], [vol()])
    with pytest.raises(ValueError):
        match([child()], [vol(max_km=0.0)])


def test_empty_inputs():
    assert match([], []).proposals == []
    result = match([child(1), child(2)], [])
    assert result.unpaired == {1: NO_VOLUNTEER_IN_REACH, 2: NO_VOLUNTEER_IN_REACH}
    assert match([], [vol()]).stats["proposed"] == 0


# ---------------------------------------------------------------- scores


def test_quality_formula_on_hand_computed_case():
    # 2 of 3 needs covered: 60 * 2/3 = 40; 5 km of a 20 km limit: 40 * (1 - 5/20) = 30.
    c = child(needs=("academic", "emotional", "health"), north_km=5.0)
    v = vol(skills=("health", "academic", "legal"), max_km=20.0)
    (p,) = match([c], [v]).proposals
    assert p.distance_km == pytest.approx(5.0, abs=1e-9)
    assert p.need_score == pytest.approx(40.0)
    assert p.distance_score == pytest.approx(30.0, abs=1e-9)
    assert p.quality == pytest.approx(70.0, abs=1e-9)
    assert p.matched_needs == ("academic", "health")
    assert p.priority == "normal"


# ---------------------------------------------------------------- lexicographic order


@pytest.mark.parametrize(
    "first, second", [("urgent", "normal"), ("urgent", "high"), ("high", "normal")]
)
def test_priority_beats_quality_where_greedy_would_fail(first, second):
    # The lower-priority child fits volunteer 101 almost perfectly and 102
    # badly; the higher-priority child can only reach 101, and badly.  Greedy
    # by quality gives 101 to the lower-priority child and strands the other.
    important = child(1, needs=("academic", "health", "legal"), priority=first, north_km=19.0)
    other = child(2, needs=("academic",), priority=second, north_km=0.5)
    v1 = vol(101, skills=("academic",), max_km=20.0)
    v2 = vol(102, skills=("academic",), max_km=30.0, north_km=-25.0)
    result = match([important, other], [v1, v2])
    assert pairs(result) == {(1, 101), (2, 102)}


@pytest.mark.parametrize(
    "first, second", [("urgent", "high"), ("high", "normal"), ("urgent", "normal")]
)
def test_one_place_goes_to_the_higher_priority(first, second):
    weak_fit = child(1, needs=("academic", "health"), priority=first, north_km=15.0)
    strong_fit = child(2, needs=("academic",), priority=second)
    result = match([weak_fit, strong_fit], [vol(101)])
    assert pairs(result) == {(1, 101)}
    assert result.unpaired == {2: AT_CAPACITY}


def _component(tiers, vol_caps, edges):
    """Hand-made component; ``edges`` maps (child, volunteer) local indices to quality."""
    keys = list(edges)
    quality = np.array([edges[k] for k in keys], dtype=np.float64)
    return Component(
        codes=("academic",),
        child_ids=np.arange(1, len(tiers) + 1, dtype=np.int64),
        child_tiers=np.array(tiers, dtype=np.int8),
        volunteer_ids=np.arange(101, 101 + len(vol_caps), dtype=np.int64),
        capacities=np.array(vol_caps, dtype=np.int64),
        edge_child=np.array([k[0] for k in keys], dtype=np.int32),
        edge_volunteer=np.array([k[1] for k in keys], dtype=np.int32),
        distance_km=np.ones(len(keys)),
        need_score=np.full(len(keys), 60.0),
        distance_score=quality - 60.0,
        quality=quality,
        matched=np.ones(len(keys), dtype=np.int64),
    )


def test_total_quality_breaks_ties_between_equal_counts():
    # Greedy takes (1, 101) at 90 and is left with (2, 102) at 61: 151.
    # The optimum crosses over: 80 + 85 = 165.
    comp = _component([2, 2], [1, 1], {(0, 0): 90.0, (0, 1): 80.0, (1, 0): 85.0, (1, 1): 61.0})
    result = {(p.child_id, p.volunteer_id): p.quality for p in solve_component(comp)}
    assert result == {(1, 102): 80.0, (2, 101): 85.0}


def test_more_higher_priority_pairs_beat_any_quality():
    # Two high-priority children or one high plus one urgent: the urgent one must be in.
    comp = _component([1, 1, 0], [1, 1], {(0, 0): 99.0, (1, 1): 99.0, (2, 0): 61.0, (2, 1): 61.0})
    chosen = {p.child_id for p in solve_component(comp)}
    assert 3 in chosen and len(chosen) == 2


def test_capacity_above_one():
    children = [child(1, priority="normal"), child(2, priority="urgent"), child(3, priority="high")]
    result = match(children, [vol(101, cap=2)])
    assert pairs(result) == {(2, 101), (3, 101)}
    assert result.unpaired == {1: AT_CAPACITY}
    many = match([child(i) for i in range(1, 6)], [vol(101, cap=3), vol(102, cap=3)])
    assert len(many.proposals) == 5


def test_first_applicable_reason_wins():
    far_match = vol(101, skills=("health",), north_km=-60.0)
    near_no_need = vol(102, skills=("legal",))
    near_wrong_gender = vol(103, skills=("health",), gender="M")
    result = match(
        [child(1, needs=("health",), gender="F")], [far_match, near_no_need, near_wrong_gender]
    )
    assert result.unpaired == {1: PREFERENCE_MISMATCH}
    result = match([child(1, needs=("health",))], [far_match, near_no_need])
    assert result.unpaired == {1: NO_NEED_MATCH}
    # Accepted by 103 but that pair was rejected; 104 does not accept her.
    result = match(
        [child(1, needs=("health",), gender="F")],
        [vol(103, skills=("health",)), vol(104, skills=("health",), gender="M")],
        {(1, 103)},
    )
    assert result.unpaired == {1: REJECTED_BEFORE}


# ---------------------------------------------------------------- components


def _random_clusters(seed, clusters=4, per_cluster=12):
    rng = np.random.default_rng(seed)
    codes = ["academic", "emotional", "daily_life", "safety"]
    children, volunteers = [], []
    for k in range(clusters):
        # Cluster centres 100 km apart; people spread 10 km, reach at most 30 km.
        north, east = 100.0 * (k // 20), 100.0 * (k % 20)
        for _ in range(per_cluster):
            children.append(
                child(
                    len(children) + 1,
                    needs=tuple(rng.choice(codes, rng.integers(1, 3), replace=False)),
                    priority=["urgent", "high", "normal"][rng.integers(3)],
                    north_km=north + rng.uniform(-10, 10),
                    east_km=east + rng.uniform(-10, 10),
                )
            )
        for _ in range(per_cluster // 3):
            volunteers.append(
                vol(
                    1000 + len(volunteers),
                    skills=tuple(rng.choice(codes, 2, replace=False)),
                    cap=int(rng.integers(1, 3)),
                    max_km=float(rng.uniform(10, 30)),
                    north_km=north + rng.uniform(-10, 10),
                    east_km=east + rng.uniform(-10, 10),
                )
            )
    return children, volunteers


def _merge(components):
    """All components glued into one, as if the graph had not been split."""
    child_offsets = np.cumsum([0] + [len(c.child_ids) for c in components])
    vol_offsets = np.cumsum([0] + [len(c.volunteer_ids) for c in components])
    cat = lambda name: np.concatenate([getattr(c, name) for c in components])  # noqa: E731
    return Component(
        codes=components[0].codes,
        child_ids=cat("child_ids"),
        child_tiers=cat("child_tiers"),
        volunteer_ids=cat("volunteer_ids"),
        capacities=cat("capacities"),
        edge_child=np.concatenate(
            [c.edge_child + o for c, o in zip(components, child_offsets[:-1], strict=True)]
        ).astype(np.int32),
        edge_volunteer=np.concatenate(
            [c.edge_volunteer + o for c, o in zip(components, vol_offsets[:-1], strict=True)]
        ).astype(np.int32),
        distance_km=cat("distance_km"),
        need_score=cat("need_score"),
        distance_score=cat("distance_score"),
        quality=cat("quality"),
        matched=cat("matched"),
    )


def _objective(proposals):
    tiers = [sum(p.priority == t for p in proposals) for t in ("urgent", "high", "normal")]
    return tiers, sum(round(p.quality * 1000) for p in proposals)


@pytest.mark.parametrize("seed", range(5))
def test_components_solved_separately_equal_the_whole(seed):
    children, volunteers = _random_clusters(seed)
    components = split_components(build_candidates(children, volunteers))
    assert len(components) >= 4
    separate = [p for comp in components for p in solve_component(comp)]
    whole = solve_component(_merge(components))
    assert _objective(separate) == _objective(whole)
    assert sorted(separate, key=lambda p: p.child_id) == sorted(
        match(children, volunteers).proposals, key=lambda p: p.child_id
    )


def test_component_round_trips_through_json_and_pickle():
    children, volunteers = _random_clusters(7, clusters=1, per_cluster=15)
    (comp,) = split_components(build_candidates(children, volunteers))
    for restored in (
        Component.from_dict(json.loads(json.dumps(comp.to_dict()))),
        pickle.loads(pickle.dumps(comp)),
    ):
        for name in Component.__slots__:
            a, b = getattr(comp, name), getattr(restored, name)
            if isinstance(a, np.ndarray):
                assert a.dtype == b.dtype and np.array_equal(a, b), name
            else:
                assert a == b, name
        assert solve_component(restored) == solve_component(comp)


@pytest.mark.parametrize("seed", range(40))
def test_fast_path_equals_general_solver(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 7))
    if seed % 2:
        tiers, caps = [int(rng.integers(3))], list(rng.integers(1, 3, n))
        edges = {(0, j): float(rng.uniform(1, 100)) for j in range(n)}
    else:
        tiers, caps = list(rng.integers(0, 3, n)), [int(rng.integers(1, 4))]
        edges = {(i, 0): float(rng.uniform(1, 100)) for i in range(n)}
    comp = _component(tiers, caps, edges)

    def score(chosen):
        t = comp.child_tiers[comp.edge_child[chosen]]
        return [int((t == k).sum()) for k in range(3)], int(solver._costs(comp)[chosen].sum())

    assert score(solver._solve_tiny(comp)) == score(solver._solve_flow(comp))


# ---------------------------------------------------------------- progress and stats


def test_progress_callback_and_stats():
    children, volunteers = _random_clusters(3, clusters=300, per_cluster=3)
    calls = []
    result = match(
        children, volunteers, progress=lambda phase, fraction: calls.append((phase, fraction))
    )
    assert calls[0] == ("candidates", 0.0)
    assert calls[-1] == ("done", 1.0)
    assert ("candidates", 1.0) in calls and ("solving", 0.0) in calls and ("solving", 1.0) in calls
    solving = [f for phase, f in calls if phase == "solving"]
    assert solving == sorted(solving) and all(0.0 <= f <= 1.0 for f in solving)
    # Batched by share of pairs solved, not one call per tiny component.
    assert 2 < len(solving) <= 102 < result.stats["components"]

    stats = result.stats
    assert stats["children"] == len(children) and stats["volunteers"] == len(volunteers)
    assert stats["proposed"] == len(result.proposals)
    assert stats["proposed"] + len(result.unpaired) == len(children)
    assert set(stats["seconds"]) == {"candidates", "solving", "certifying"}
    assert stats["seconds"]["certifying"] <= stats["seconds"]["solving"]


def test_a_component_solves_the_same_alone_or_with_others():
    """A part of a run solved on its own (services.matching.parts) gives the same pairs as the
    whole run, even where many pairings tie (everyone at one spot with the same needs)."""
    rng = np.random.default_rng(7)
    crowd_children = [ChildIn(i, 23.0 + rng.uniform(0, 0.05), 108.0 + rng.uniform(0, 0.05),
                              frozenset({"academic"}), "M", 9, "normal")
                      for i in range(1, 41)]
    crowd_volunteers = [VolunteerIn(100 + i, 23.02, 108.02, frozenset({"academic"}), 2, 30.0)
                        for i in range(12)]
    far_children = [ChildIn(200 + i, 26.0, 110.0, frozenset({"emotional"}), "F", 10, "high")
                    for i in range(3)]
    far_volunteers = [VolunteerIn(300, 26.0, 110.0, frozenset({"emotional"}), 1, 10.0)]
    whole = match(sorted(crowd_children + far_children, key=lambda c: c.id),
                  crowd_volunteers + far_volunteers)
    alone = match(crowd_children, crowd_volunteers)

    def pairs(result, ids):
        return {(p.child_id, p.volunteer_id) for p in result.proposals if p.child_id in ids}

    crowd = {c.id for c in crowd_children}
    assert whole.stats["components"] == 2 and alone.stats["components"] == 1
    assert pairs(whole, crowd) == pairs(alone, crowd)


def test_candidate_pairs_come_in_child_then_volunteer_order():
    """The order the solver sees pairs in is canonical, not the spatial search's order, so
    the same people always give the same pairs where pairings tie."""
    rng = np.random.default_rng(3)
    children = [ChildIn(i, 23.0 + rng.uniform(0, 0.3), 108.0 + rng.uniform(0, 0.3),
                        frozenset({"academic"}), "M", 9, "normal") for i in range(300)]
    volunteers = [VolunteerIn(1000 + i, 23.0 + rng.uniform(0, 0.3), 108.0 + rng.uniform(0, 0.3),
                              frozenset({"academic"}), 2, float(rng.uniform(5, 40)))
                  for i in range(60)]
    cands = build_candidates(children, volunteers)
    key = cands.child.astype(np.int64) * len(volunteers) + cands.volunteer
    assert len(cands) > 1000 and (np.diff(key) > 0).all()
