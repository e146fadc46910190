"""The compiled count stage (``flow_kernels.tier_plan``) gives the counts and kept pairs of
the max flow per tier, and the priced cost stage the optimum of the min-cost flow over
all kept pairs, on random components: capacities above one, empty tiers, scarce and
plentiful places."""

import numpy as np
import pytest

from services.matching.engine import (
    certificate,
    certificate_kernels,
    flow_kernels,
    kernels,
    match,
    solver,
)
from services.matching.engine.records import TIERS
from services.matching.engine.solver import Component
from tests.unit.matching.test_matching_kernels import _instance


def _component(seed: int) -> Component:
    """Random pairs in (child, volunteer) order over random tiers, some tiers empty."""
    rng = np.random.default_rng(seed)
    nc, nv = int(rng.integers(2, 60)), int(rng.integers(2, 25))
    tiers = rng.choice(rng.choice(len(TIERS), int(rng.integers(1, len(TIERS) + 1)),
                                  replace=False), nc).astype(np.int8)
    density = rng.uniform(0.05, 0.6)
    pairs = np.argwhere(rng.random((nc, nv)) < density)  # row-major: child order
    if not len(pairs):
        pairs = np.array([[0, 0]])
    quality = rng.choice([40.0, 55.5, 70.0, 90.25], len(pairs))  # many ties
    if seed % 3 == 0:
        quality = rng.uniform(1, 100, len(pairs))
    cost = np.rint(quality * 1000).astype(np.int32)
    zeros = np.zeros(len(pairs))
    return Component(
        codes=("a",), child_ids=np.arange(nc, dtype=np.int64) + 1, child_tiers=tiers,
        volunteer_ids=np.arange(nv, dtype=np.int64) + 1000,
        capacities=rng.integers(1, 4, nv).astype(np.int64),
        edge_child=pairs[:, 0].astype(np.int32), edge_volunteer=pairs[:, 1].astype(np.int32),
        distance_km=zeros, need_score=zeros, distance_score=zeros, quality=quality,
        matched=np.zeros(len(pairs), dtype=np.int64), cost=cost)


def _score(comp, chosen):
    tiers = np.bincount(comp.child_tiers[comp.edge_child[chosen]], minlength=len(TIERS))
    return tiers.tolist(), int(comp.cost[chosen].astype(np.int64).sum())


@pytest.mark.parametrize("seed", range(200))
def test_compiled_counts_and_kept_pairs_equal_the_max_flows(seed):
    comp = _component(seed)
    vol_cap = solver._vol_caps(comp)
    counts, kept = solver._lexicographic_plan(comp, vol_cap)
    plan = solver._plan(comp, vol_cap, compiled=True)
    assert plan.counts == counts
    kept_compiled = flow_kernels.kept_pairs(plan.child_start, comp.edge_volunteer,
                                            comp.child_tiers, plan.open_, len(TIERS))
    assert np.array_equal(kept_compiled, kept)
    # The kernel's own pairing is a pairing over kept pairs reaching those counts.
    pairing = plan.pairing
    assert np.isin(pairing, kept).all()
    assert len(np.unique(comp.edge_child[pairing])) == len(pairing)
    assert (np.bincount(comp.edge_volunteer[pairing], minlength=len(vol_cap)) <= vol_cap).all()
    assert _score(comp, pairing)[0] == counts


@pytest.mark.parametrize("seed", range(200))
def test_priced_cost_stage_reaches_the_optimum_of_the_whole_network(seed, monkeypatch):
    comp = _component(seed)
    vol_cap = solver._vol_caps(comp)
    counts, kept = solver._lexicographic_plan(comp, vol_cap)
    whole = solver._min_cost_pairs(comp, counts, kept, vol_cap, np.arange(len(comp.child_ids)))
    # Start from each child's and volunteer's single best pair: several rounds of pricing.
    monkeypatch.setattr(solver, "_BEST_PER_CHILD", 1)
    monkeypatch.setattr(solver, "_BEST_PER_VOLUNTEER", 1)
    monkeypatch.setattr(solver, "_NEAR", seed % 2)
    priced = solver._priced_min_cost(comp, solver._plan(comp, vol_cap, compiled=True), vol_cap)
    assert _score(comp, priced) == _score(comp, whole)
    verdict = certificate.check(comp, comp.edge_child[priced], comp.edge_volunteer[priced])
    assert verdict.failure is None


def test_saturated_places_close_every_later_tier():
    # Two places, three urgent children who all want both: nothing is kept for later tiers.
    edge_child = np.array([0, 0, 1, 1, 2, 2, 3, 3], dtype=np.int32)
    edge_volunteer = np.array([0, 1, 0, 1, 0, 1, 0, 1], dtype=np.int32)
    tiers = np.array([0, 0, 0, 5], dtype=np.int8)
    child_start = certificate_kernels.child_starts(edge_child, 4)
    counts, open_, mate = flow_kernels.tier_plan(child_start, edge_volunteer, tiers,
                                                 np.array([1, 1]), len(TIERS))
    assert counts.tolist() == [2, 0, 0, 0, 0, 0]
    assert open_[0].all() and not open_[1:].any()
    assert (mate >= 0).sum() == 2 and mate[3] == -1


def test_a_long_augmenting_path_moves_every_child_along():
    # Child i < n - 1 (first tier) may take volunteer i or i + 1 and first sits on i; the
    # last child (a later tier) wants volunteer 0 only, so it is paired only by moving
    # every other child one volunteer on.
    n = 6
    pairs = [(i, v) for i in range(n - 1) for v in (i, i + 1)] + [(n - 1, 0)]
    edge_child = np.array([c for c, _ in pairs], dtype=np.int32)
    edge_volunteer = np.array([v for _, v in pairs], dtype=np.int32)
    tiers = np.array([1] * (n - 1) + [3], dtype=np.int8)
    child_start = certificate_kernels.child_starts(edge_child, n)
    counts, open_, mate = flow_kernels.tier_plan(child_start, edge_volunteer, tiers,
                                                 np.ones(n, dtype=np.int64), len(TIERS))
    assert counts.tolist() == [0, n - 1, 0, 1, 0, 0]
    assert edge_volunteer[mate].tolist() == [*range(1, n), 0]
    assert open_[3].all()  # before the last tier, every child could still move on


def test_pairs_out_of_child_order_take_the_network_path():
    comp = _component(7)
    order = np.random.default_rng(0).permutation(comp.n_edges)
    for name in ("edge_child", "edge_volunteer", "quality", "cost"):
        setattr(comp, name, getattr(comp, name)[order])
    plan = solver._plan(comp, solver._vol_caps(comp), compiled=True)
    assert plan.pairing is None and plan.kept is not None


@pytest.mark.parametrize("seed", range(6))
def test_a_run_priced_from_the_first_pair_reaches_the_optimum_of_the_network_path(
        seed, monkeypatch):
    children, volunteers, rejected = _instance(seed)
    monkeypatch.setattr(solver, "_PRICED_FROM", 0)
    monkeypatch.setattr(solver, "_BEST_PER_CHILD", 1 + seed % 3)
    monkeypatch.setattr(solver, "_BEST_PER_VOLUNTEER", 1 + seed % 2)
    priced = match(children, volunteers, rejected)  # certified, or it raises
    monkeypatch.setenv("MATCH_COMPILED", "0")
    assert not kernels.available()
    plain = match(children, volunteers, rejected)

    def optimum(result):
        return (sorted((p.priority, p.repair) for p in result.proposals),
                sum(round(p.quality * 1000) for p in result.proposals))

    assert optimum(priced) == optimum(plain)
