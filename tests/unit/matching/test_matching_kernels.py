"""The compiled kernels give exactly what the NumPy/SciPy path gives."""

import numpy as np
import pytest

from services.matching.engine import (
    ChildIn,
    VolunteerIn,
    build_candidates,
    flow_kernels,
    haversine_km,
    kernels,
    match,
    split_components,
    warm_up,
)
from services.matching.engine.candidates import _Table

CODES = ("academic", "emotional", "daily_life", "safety", "health")


def _instance(seed, n_children=400, n_volunteers=60, spread_deg=0.6, rejected_share=0.05):
    rng = np.random.default_rng(seed)

    def codes(lo, hi):
        return frozenset(rng.choice(CODES, int(rng.integers(lo, hi + 1)), replace=False).tolist())

    # Clustered points (several components), some far away, some sharing a spot.
    centres = [(23.0 + rng.uniform(0, spread_deg * 4), 108.0 + rng.uniform(0, spread_deg * 4))
               for _ in range(4)]

    def point():
        lat, lng = centres[int(rng.integers(len(centres)))]
        if rng.random() < 0.1:
            return lat, lng
        return lat + rng.normal(0, spread_deg / 4), lng + rng.normal(0, spread_deg / 4)

    children = [ChildIn(i, *point(), codes(1, 3), "MF"[rng.integers(2)], int(rng.integers(4, 17)),
                        ("urgent", "high", "normal")[rng.integers(3)], bool(rng.random() < 0.1))
                for i in range(1, n_children + 1)]
    volunteers = []
    for j in range(n_volunteers):
        lat, lng = point()
        volunteers.append(VolunteerIn(
            1000 + j, lat, lng, codes(1, 4), int(rng.integers(0, 4)), float(rng.uniform(2, 50)),
            (None, None, "M", "F")[rng.integers(4)],
            int(rng.integers(4, 10)) if rng.random() < 0.3 else None,
            int(rng.integers(9, 17)) if rng.random() < 0.3 else None))
    rejected = {(c.id, v.id) for c in children for v in volunteers
                if rng.random() < rejected_share / n_volunteers * 10}
    return children, volunteers, rejected


def _same_candidates(a, b):
    for name in ("child_ids", "child_tiers", "child_reasons", "volunteer_ids", "capacities",
                 "child", "volunteer", "cost"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name


def test_numba_is_installed_and_used_by_default():
    assert kernels.available()


@pytest.mark.parametrize("seed", range(12))
def test_compiled_candidates_equal_the_numpy_path(seed):
    children, volunteers, rejected = _instance(seed)
    fast = build_candidates(children, volunteers, rejected, compiled=True)
    plain = build_candidates(children, volunteers, rejected, compiled=False)
    assert len(plain) > 500
    _same_candidates(fast, plain)
    assert fast.child.dtype == np.int32 and fast.cost.dtype == np.int32


def test_a_pair_exactly_at_the_limit_is_found_by_both_paths():
    c = ChildIn(1, 22.8, 108.3, frozenset({"academic"}), "F", 10, "normal")
    lat, lng = 22.8 + 0.1, 108.3 + 0.07
    limit = haversine_km(22.8, 108.3, lat, lng)
    volunteers = [VolunteerIn(101, lat, lng, frozenset({"academic"}), 1, limit),
                  VolunteerIn(102, lat, lng, frozenset({"academic"}), 1, limit * (1 - 1e-12))]
    for compiled in (True, False):
        cands = build_candidates([c], volunteers, compiled=compiled)
        assert cands.volunteer_ids[cands.volunteer].tolist() == [101]


def test_small_blocks_give_the_same_pairs():
    children, volunteers, rejected = _instance(5)
    codes = tuple(sorted(set().union(*(c.needs for c in children),
                                     *(v.skills for v in volunteers))))
    table = _Table(children, volunteers, rejected, codes)
    eligible = np.zeros(len(children), dtype=bool)
    whole = [np.concatenate(x) for x in zip(*kernels.near_pairs(table, eligible), strict=True)]
    # A buffer smaller than one child's volunteers makes the kernel ask for more, too.
    blocks = list(kernels.near_pairs(table, eligible, block=7))
    assert len(blocks) > 10
    small = [np.concatenate(x) for x in zip(*blocks, strict=True)]
    assert all(np.array_equal(a, b) for a, b in zip(whole, small, strict=True))


@pytest.mark.parametrize("seed", range(8))
def test_compiled_components_equal_scipy(seed):
    children, volunteers, rejected = _instance(seed, spread_deg=1.5)
    cands = build_candidates(children, volunteers, rejected)
    fast = split_components(cands, compiled=True)
    plain = split_components(cands, compiled=False)
    assert len(fast) == len(plain) >= 2
    for a, b in zip(fast, plain, strict=True):
        for name in ("child_ids", "child_tiers", "volunteer_ids", "capacities", "edge_child",
                     "edge_volunteer", "cost"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), name
        assert a.quality == b.quality


@pytest.mark.parametrize("seed", range(4))
def test_match_proposes_the_same_either_way(seed, monkeypatch):
    children, volunteers, rejected = _instance(seed)
    fast = match(children, volunteers, rejected)
    monkeypatch.setenv("MATCH_COMPILED", "0")
    assert not kernels.available()
    plain = match(children, volunteers, rejected)
    assert fast.proposals == plain.proposals and fast.unpaired == plain.unpaired


def test_warm_up_compiles_every_kernel():
    warm_up()
    for kernel in (kernels._scan, kernels._split, kernels._counts, flow_kernels.tier_plan,
                   flow_kernels.kept_pairs, flow_kernels.best_pairs, flow_kernels.underpriced):
        assert kernel.signatures, kernel


def test_near_the_pole_every_longitude_is_scanned():
    # At 89.9° a 50 km reach spans every longitude: the scan's widest case.
    rng = np.random.default_rng(11)
    children = [ChildIn(i, 89.9 + rng.uniform(-0.05, 0.05), rng.uniform(-180, 180),
                        frozenset({"academic"}), "F", 9, "normal") for i in range(60)]
    volunteers = [VolunteerIn(100 + j, 89.9 + rng.uniform(-0.05, 0.05), rng.uniform(-180, 180),
                              frozenset({"academic"}), 2, 50.0) for j in range(8)]
    fast = build_candidates(children, volunteers, compiled=True)
    plain = build_candidates(children, volunteers, compiled=False)
    assert len(plain) > 200
    _same_candidates(fast, plain)
