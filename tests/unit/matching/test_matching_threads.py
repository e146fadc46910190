"""The compiled pair search split over threads gives exactly what one thread gives."""

import threading

import numpy as np
import pytest

from services.matching import engine
from services.matching.engine import ChildIn, VolunteerIn, build_candidates, kernels
from services.matching.engine.candidates import _grid_search, _Table
from tests.unit.matching.test_matching_kernels import _instance, _same_candidates


def _table(children, volunteers, rejected=frozenset()):
    codes = tuple(sorted(set().union(*(c.needs for c in children),
                                     *(v.skills for v in volunteers))))
    return _Table(children, volunteers, rejected, codes)


def _search(table, threads, **kwargs):
    eligible = np.zeros(len(table.c_phi), dtype=bool)
    return _grid_search(table, eligible, threads=threads, **kwargs), eligible


def _same_search(a, b):
    (pairs_a, eligible_a), (pairs_b, eligible_b) = a, b
    for x, y in zip(pairs_a, pairs_b, strict=True):
        assert x.dtype == y.dtype == np.int32 and np.array_equal(x, y)
    assert np.array_equal(eligible_a, eligible_b)


def _far_child(i):
    # Over a thousand kilometres from every volunteer of ``_instance``: no pair.
    return ChildIn(i, 40.0, 125.0, frozenset({"academic"}), "F", 9, "normal")


@pytest.mark.parametrize("seed", range(8))
def test_two_and_three_threads_give_the_pairs_of_one(seed):
    children, volunteers, rejected = _instance(seed, n_children=700)
    one = build_candidates(children, volunteers, rejected, threads=1)
    assert len(one) > 1000
    for threads in (2, 3):
        _same_candidates(build_candidates(children, volunteers, rejected, threads=threads), one)


@pytest.mark.parametrize("seed", range(4))
def test_small_blocks_on_several_threads_give_the_same_pairs(seed):
    # Many blocks per range, and children who see more volunteers than a block holds.
    table = _table(*_instance(seed))
    whole = _search(table, 1)
    for threads in (2, 3):
        _same_search(_search(table, threads, block=5), whole)


@pytest.mark.parametrize("n_children", [1, 2, 5])
def test_fewer_children_than_ranges(n_children):
    children, volunteers, rejected = _instance(3)
    children = children[:n_children]
    table = _table(children, volunteers, rejected)
    whole = _search(table, 1)
    for threads in (2, 3, 8):
        _same_search(_search(table, threads), whole)


def test_ranges_without_pairs():
    # The first, middle and last children have no volunteer in reach.
    children, volunteers, rejected = _instance(4, n_children=300)
    far = [_far_child(10_000 + i) for i in range(300)]
    children = far[:100] + children[:150] + far[100:200] + children[150:] + far[200:]
    table = _table(children, volunteers, rejected)
    whole = _search(table, 1)
    assert len(whole[0][0]) > 500
    for threads in (2, 3):
        _same_search(_search(table, threads), whole)
        _same_search(_search(table, threads, block=11), whole)


def test_no_child_in_reach_of_anybody():
    children = [_far_child(i) for i in range(1, 40)]
    volunteers = [VolunteerIn(100, 23.0, 108.0, frozenset({"academic"}), 1, 30.0)]
    for threads in (1, 2, 3):
        (pairs, eligible) = _search(_table(children, volunteers), threads)
        assert all(len(x) == 0 for x in pairs) and not eligible.any()


@pytest.mark.parametrize("threads", [2, 3])
def test_the_cap_hit_in_a_middle_range_refuses_the_run(threads):
    # Only the middle third of the children have pairs, so the cap is crossed there.
    children, volunteers, rejected = _instance(6, n_children=200)
    far = [_far_child(10_000 + i) for i in range(400)]
    children = far[:200] + children + far[200:]
    total = len(build_candidates(children, volunteers, rejected, threads=1))
    assert total > 300
    same = build_candidates(children, volunteers, rejected, threads=threads, max_pairs=total)
    _same_candidates(same, build_candidates(children, volunteers, rejected, threads=1))
    table = _table(children, volunteers, rejected)
    for block in (1 << 21, 13):
        with pytest.raises(engine.TooManyCandidates) as refused:
            _search(table, threads, max_pairs=total - 1, block=block)
        assert refused.value.limit == total - 1 and refused.value.pairs > total - 1
        assert str(refused.value) == (f"more than {total - 1} candidate pairs "
                                      f"(at least {refused.value.pairs})")
    with pytest.raises(engine.TooManyCandidates):
        build_candidates(children, volunteers, rejected, threads=threads, max_pairs=total - 1)


def test_the_search_runs_on_match_threads_threads(monkeypatch):
    seen = set()
    blocks = kernels.PairScan.blocks
    # Each thread's first range waits for the other thread's: fails unless both scan.
    both = threading.Barrier(2, timeout=10)

    def recording(self, *args, **kwargs):
        if threading.get_ident() not in seen:
            seen.add(threading.get_ident())
            both.wait()
        yield from blocks(self, *args, **kwargs)

    monkeypatch.setattr(kernels.PairScan, "blocks", recording)
    monkeypatch.setenv("MATCH_THREADS", "2")
    children, volunteers, rejected = _instance(1)
    build_candidates(children, volunteers, rejected, compiled=True)
    assert len(seen) == 2 and threading.get_ident() not in seen
    seen.clear()
    both = threading.Barrier(1)
    monkeypatch.setenv("MATCH_THREADS", "1")
    build_candidates(children, volunteers, rejected, compiled=True)
    assert seen == {threading.get_ident()}


def test_match_threads_defaults_to_the_cpus_available(monkeypatch):
    import os

    monkeypatch.delenv("MATCH_THREADS", raising=False)
    assert kernels.threads() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("MATCH_THREADS", "3")
    assert kernels.threads() == 3
    monkeypatch.setenv("MATCH_THREADS", "0")
    assert kernels.threads() == 1


def test_match_proposes_the_same_on_one_or_two_threads(monkeypatch):
    children, volunteers, rejected = _instance(2)
    monkeypatch.setenv("MATCH_THREADS", "1")
    one = engine.match(children, volunteers, rejected)
    monkeypatch.setenv("MATCH_THREADS", "2")
    two = engine.match(children, volunteers, rejected)
    assert one.proposals == two.proposals and one.unpaired == two.unpaired


def test_a_failing_range_fails_the_search_and_stops_every_thread(monkeypatch):
    blocks = kernels.PairScan.blocks

    def failing(self, eligible, start, stop, *args, **kwargs):
        if start > 0:
            raise MemoryError("range")
        yield from blocks(self, eligible, start, stop, *args, **kwargs)

    monkeypatch.setattr(kernels.PairScan, "blocks", failing)
    before = threading.active_count()
    table = _table(*_instance(2))
    with pytest.raises(MemoryError, match="range"):
        _search(table, 2, block=7)
    assert threading.active_count() == before
