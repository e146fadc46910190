"""The optimality certificate accepts the engine's pairings and refuses wrong ones, with
the same verdict on the compiled and the NumPy/SciPy path."""

import numpy as np
import pytest

from services.matching.engine import (
    Certification,
    NotProvenOptimal,
    build_candidates,
    certificate,
    match,
    solve,
    solver,
    split_components,
)
from services.matching.engine.records import tier_of
from tests.unit.matching.test_matching_engine import _component
from tests.unit.matching.test_matching_kernels import _instance
from tests.unit.matching.test_matching_optimality import random_instance

PATHS = pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
URGENT, NORMAL = tier_of("urgent", False), tier_of("normal", False)


def _solved(children, volunteers, rejected=frozenset()):
    """(component, chosen pair positions) for every component, as the engine solves them."""
    for comp in split_components(build_candidates(children, volunteers, rejected)):
        tiny = len(comp.child_ids) == 1 or len(comp.volunteer_ids) == 1
        yield comp, (solver._solve_tiny if tiny else solver._solve_flow)(comp)


def _verdict(comp, chosen, compiled):
    return certificate.check(comp, comp.edge_child[chosen], comp.edge_volunteer[chosen],
                             compiled=compiled)


def _random_cases(seeds):
    """Scarce places (the solver prunes most pairs) and clustered regions, with re-pair
    children, from the instance generators of the engine's other tests."""
    for seed in seeds:
        rng = np.random.default_rng(50_000 + seed)
        if seed % 2:
            yield _instance(seed, n_children=150, n_volunteers=25)
        else:
            yield random_instance(rng, int(rng.integers(20, 80)), int(rng.integers(3, 15)),
                                  max_cap=3, spread_km=float(rng.uniform(10, 60)),
                                  repair_share=0.3)


@PATHS
@pytest.mark.parametrize("seed", range(30))
def test_the_engine_result_is_certified(seed, compiled):
    (children, volunteers, rejected), = _random_cases([seed])
    for comp, chosen in _solved(children, volunteers, rejected):
        assert _verdict(comp, chosen, compiled) == certificate.Verdict()


@PATHS
def test_one_urgent_child_fewer_than_possible_is_refused(compiled):
    # One place, wanted by an urgent child and a normal one with a better fit.
    comp = _component([URGENT, NORMAL], [1], {(0, 0): 61.0, (1, 0): 99.0})
    assert _verdict(comp, np.array([0]), compiled) == certificate.Verdict()
    verdict = _verdict(comp, np.array([1]), compiled)
    assert verdict == certificate.Verdict("fewer_children", URGENT)
    assert "urgent children" in verdict.explain()


@PATHS
def test_the_same_counts_with_lower_quality_are_refused(compiled):
    # The optimum crosses over: 80 + 85 beats 90 + 61 (pairs in (child, volunteer) order).
    comp = _component([NORMAL, NORMAL], [1, 1],
                      {(0, 0): 90.0, (0, 1): 80.0, (1, 0): 85.0, (1, 1): 61.0})
    assert _verdict(comp, np.array([1, 2]), compiled) == certificate.Verdict()
    assert _verdict(comp, np.array([0, 3]), compiled) == certificate.Verdict("lower_quality")


@PATHS
def test_an_infeasible_pairing_is_refused(compiled):
    comp = _component([NORMAL, NORMAL, NORMAL], [1, 2],
                      {(0, 0): 70.0, (1, 0): 70.0, (2, 1): 70.0})
    assert _verdict(comp, np.array([0, 1]), compiled) == certificate.Verdict("over_capacity")
    check = certificate.check
    assert check(comp, [0, 0], [0, 1], compiled=compiled).failure == "not_candidate"
    assert check(comp, [2, 2], [1, 1], compiled=compiled).failure == "paired_twice"
    assert check(comp, [1, 5], [0, 1], compiled=compiled).failure == "not_candidate"


def _worse_swap(comp, chosen, costs, pairs):
    """Two of the chosen pairs (c1, v1), (c2, v2) whose swap (c1, v2), (c2, v1) is a pair of
    candidates of lower total quality, as (pairs out, pairs in); None if there is none."""
    for a in chosen.tolist():
        for b in chosen.tolist():
            c1, v1 = int(comp.edge_child[a]), int(comp.edge_volunteer[a])
            c2, v2 = int(comp.edge_child[b]), int(comp.edge_volunteer[b])
            into = pairs.get((c1, v2)), pairs.get((c2, v1))
            if v1 != v2 and None not in into and costs[list(into)].sum() < costs[a] + costs[b]:
                return {a, b}, set(into)
    return None


@PATHS
def test_wrong_pairings_of_random_instances_are_refused(compiled):
    """From the engine's pairing: an urgent child's place given to a lower tier, two
    assignments swapped to a worse pair, a child dropped, a pair that is not a candidate."""
    refused = {"fewer_children": 0, "lower_quality": 0}
    for comp, chosen in (solved for case in _random_cases(range(12)) for solved in _solved(*case)):
        costs = certificate._costs(comp).astype(np.int64)
        tiers = comp.child_tiers[comp.edge_child]
        taken = set(chosen.tolist())
        paired = set(comp.edge_child[chosen].tolist())
        for i in chosen[tiers[chosen] <= URGENT]:  # urgent pair -> a lower tier's child
            others = np.flatnonzero((comp.edge_volunteer == comp.edge_volunteer[i])
                                    & (tiers > URGENT))
            others = [e for e in others if comp.edge_child[e] not in paired]
            if others:
                wrong = np.array(sorted(taken - {int(i)} | {int(others[0])}))
                verdict = _verdict(comp, wrong, compiled)
                assert verdict.failure == "fewer_children" and verdict.tier <= URGENT
                refused["fewer_children"] += 1
                break
        pairs = {(int(c), int(v)): e for e, (c, v) in
                 enumerate(zip(comp.edge_child, comp.edge_volunteer, strict=True))}
        swap = _worse_swap(comp, chosen, costs, pairs)
        if swap is not None:
            out, into = swap
            wrong = np.array(sorted(taken - out | into))
            assert _verdict(comp, wrong, compiled) == certificate.Verdict("lower_quality")
            refused["lower_quality"] += 1
        if len(chosen):
            assert _verdict(comp, chosen[1:], compiled).failure == "fewer_children"
            missing = [(c, v) for c in range(len(comp.child_ids))
                       for v in range(len(comp.volunteer_ids)) if (c, v) not in pairs]
            if missing:
                c, v = missing[0]
                assert certificate.check(
                    comp, np.append(comp.edge_child[chosen], c),
                    np.append(comp.edge_volunteer[chosen], v), compiled=compiled,
                ).failure == "not_candidate"
    assert min(refused.values()) >= 3, refused


def test_both_paths_give_the_same_verdict_on_arbitrary_pairings():
    rng = np.random.default_rng(5)
    verdicts = set()
    for comp, chosen in (solved for case in _random_cases(range(20)) for solved in _solved(*case)):
        costs = certificate._costs(comp).astype(np.int64)
        pairs = {(int(c), int(v)): e for e, (c, v) in
                 enumerate(zip(comp.edge_child, comp.edge_volunteer, strict=True))}
        pairings = [chosen]
        swap = _worse_swap(comp, chosen, costs, pairs)
        if swap is not None:
            pairings.append(np.array(sorted(set(chosen.tolist()) - swap[0] | swap[1])))
        for _ in range(10):
            # Some of the engine's pairs and a few random candidate pairs: now and then a
            # child twice or a volunteer over its places.
            keep = chosen[rng.random(len(chosen)) < rng.random()]
            pairings.append(np.concatenate((keep, rng.choice(comp.n_edges,
                                                             int(rng.integers(0, 4))))))
        for pick in pairings:
            pair_child = comp.edge_child[pick].astype(np.int64)
            pair_volunteer = comp.edge_volunteer[pick].astype(np.int64)
            if rng.random() < 0.1:  # a volunteer of the component, maybe not a candidate
                pair_volunteer[:1] = rng.integers(len(comp.volunteer_ids))
            fast = certificate.check(comp, pair_child, pair_volunteer, compiled=True)
            assert fast == certificate.check(comp, pair_child, pair_volunteer, compiled=False)
            verdicts.add(fast.failure)
    assert verdicts == {None, "not_candidate", "paired_twice", "over_capacity",
                        "fewer_children", "lower_quality"}


def test_hand_made_pairs_in_any_order_are_checked_in_order():
    comp = _component([NORMAL, NORMAL], [1, 1],
                      {(1, 1): 61.0, (0, 1): 80.0, (1, 0): 85.0, (0, 0): 90.0})
    for compiled in (True, False):
        assert certificate.check(comp, [0, 1], [1, 0], compiled=compiled).failure is None
        assert certificate.check(comp, [0, 1], [0, 1],
                                 compiled=compiled).failure == "lower_quality"
    comp.edge_volunteer[0] = 0  # now (1, 0) is listed twice
    for compiled in (True, False):
        assert certificate.check(comp, [0, 1], [1, 0],
                                 compiled=compiled) == certificate.Verdict("malformed")


def test_a_component_whose_pairing_is_not_optimal_raises(monkeypatch):
    children, volunteers, rejected = random_instance(np.random.default_rng(3), 40, 8, 3)
    solve = solver._solve_flow
    # The engine's pairing with its first pair left out: one child fewer than possible.
    monkeypatch.setattr(solver, "_solve_flow", lambda comp: solve(comp)[1:])
    with pytest.raises(NotProvenOptimal, match="more children up to"):
        match(children, volunteers, rejected)
    # The check can be turned off; it is on unless MATCH_CERTIFY=0.
    monkeypatch.setenv("MATCH_CERTIFY", "0")
    assert match(children, volunteers, rejected).proposals


def test_a_certificate_checked_later_gives_the_same_verdict_on_its_own_thread(monkeypatch):
    # A run writes its proposals while the certificate is checked (runs.execute_run):
    # the deferred check passes the engine's pairing and raises on a wrong one.
    children, volunteers, rejected = random_instance(np.random.default_rng(3), 40, 8, 3)
    cands = build_candidates(children, volunteers, rejected)
    pending = []
    result = solve(cands, split_components(cands), certify_later=pending)
    assert pending and result.proposals and "certifying" not in result.stats["seconds"]
    assert Certification(pending).wait() >= 0
    wrong = [(comp, chosen[1:]) for comp, chosen in pending]  # one child fewer than possible
    check = Certification(wrong)
    with pytest.raises(NotProvenOptimal, match="more children up to"):
        check.wait()
    check.wait_quietly()  # a caller failing for another reason only waits
