"""Candidate generation: every feasible (child, volunteer) pair with its scores.

A pair (c, v) is feasible when
  * v has free capacity,
  * c's needs and v's skills share at least one code,
  * v's child-gender preference, if set, equals c's gender,
  * c's age lies within v's inclusive age bounds (each bound optional),
  * the haversine distance d <= v.max_distance_km,
  * a coordinator has not rejected (c.id, v.id) before.

quality = need_score + distance_score with
  need_score = 60 * |needs & skills| / |needs| and
  distance_score = 40 * (1 - d / v.max_distance_km).

The all-children x all-volunteers product is never built.  The compiled path
(``kernels``) scans, child by child, the volunteers of the grid cells within the
run's largest reach and writes pairs in blocks; the NumPy path puts children in a
k-d tree of 3-D unit vectors and each volunteer only visits the children inside
the chord that corresponds to their own distance limit, in batches of similar
limits so the tree walk happens in C and returns arrays.  Either way the distance
is then tested against the limit with the same float64 haversine.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from . import kernels
from .geo import chord_radius, haversine_from_radians, unit_vectors
from .records import PRIORITIES, ChildIn, VolunteerIn, tier_of

NO_VOLUNTEER_IN_REACH = "no_volunteer_in_reach"
"""No vetted volunteer, whatever their capacity, has the child within their distance limit."""
NO_NEED_MATCH = "no_need_match"
"""Volunteers are within reach, but none offers any of the child's needs."""
PREFERENCE_MISMATCH = "preference_mismatch"
"""Volunteers in reach offer a need, but each one's gender/age preference excludes the child."""
REJECTED_BEFORE = "rejected_before"
"""Volunteers in reach offer a need and accept the child, but each such pair was rejected."""
AT_CAPACITY = "at_capacity"
"""Suitable volunteers exist, but they are full or the optimum gave their places to others."""

# Most actionable first; each unpaired child gets the first reason that applies.
UNPAIRED_REASONS: tuple[str, ...] = (
    NO_VOLUNTEER_IN_REACH,
    NO_NEED_MATCH,
    PREFERENCE_MISMATCH,
    REJECTED_BEFORE,
    AT_CAPACITY,
)

# Batches of volunteers whose limits differ by at most this factor share one
# tree query at the largest radius; the few extra pairs fail the distance rule.
_RADIUS_BATCH_RATIO = 1.05
_MAX_BATCH = 4096
_INT64_MIN = np.iinfo(np.int64).min
_INT64_MAX = np.iinfo(np.int64).max
QUALITY_SCALE = 1000  # integer cost units per quality point


#: Memory a run needs per candidate pair, all phases together (measured on the Sichuan
#: benchmark: the pairs, one component's copy of them and the flow solver's arcs), and
#: what it needs whatever the pairs (libraries, people, compiled kernels).
BYTES_PER_PAIR = 48
BASE_MEMORY_MB = 512


def pairs_within(memory_mb: int | None) -> int | None:
    """How many candidate pairs a run may hold in ``memory_mb`` (None: no limit)."""
    if memory_mb is None:
        return None
    return max(int((memory_mb - BASE_MEMORY_MB) * 2**20 // BYTES_PER_PAIR), 0)


class TooManyCandidates(RuntimeError):
    """A run would hold more candidate pairs than its memory allows; raised while they
    are being built, at most one block past the limit, so the run never gets there."""

    def __init__(self, pairs: int, limit: int):
        super().__init__(f"more than {limit} candidate pairs (at least {pairs})")
        self.pairs, self.limit = pairs, limit


@dataclass(slots=True, eq=False)
class Candidates:
    """Feasible pairs of one run as parallel arrays, plus per-person data.

    ``child``/``volunteer`` are int32 indices into ``child_ids``/``volunteer_ids``, in
    (child, volunteer) order; ``cost`` is the pair's quality in thousandths,
    ``round(quality * 1000)``, the unit the solver compares (int32: 12 bytes a pair in
    all).  Distances and scores are worked out again, bit for bit, for the pairs a run
    proposes (``scorer.details``).  ``child_reasons`` holds, for each child, the index in
    ``UNPAIRED_REASONS`` that applies if it ends unpaired.
    """

    codes: tuple[str, ...]
    child_ids: np.ndarray  # int64
    child_tiers: np.ndarray  # int8, index into TIERS
    child_reasons: np.ndarray  # int8, index into UNPAIRED_REASONS
    volunteer_ids: np.ndarray  # int64
    capacities: np.ndarray  # int64
    child: np.ndarray  # int32
    volunteer: np.ndarray  # int32
    cost: np.ndarray  # int32, quality in thousandths
    scorer: _Table
    released: int = -1  # pairs there were before ``release_pairs``; -1 while held

    def __len__(self) -> int:
        return self.released if self.released >= 0 else int(self.child.shape[0])

    def release_pairs(self) -> None:
        """Let go of the pair arrays (the components hold their own); ``len`` still
        counts them and ``details`` still works."""
        if self.released < 0:
            self.released = len(self)
            self.child = self.volunteer = self.cost = np.zeros(0, np.int32)

    def details(self, ci: np.ndarray, vi: np.ndarray) -> dict[str, np.ndarray]:
        """Distance, scores and matched needs of the pairs (ci[k], vi[k])."""
        return self.scorer.details(ci, vi)


def _bitmasks(sets: Sequence[frozenset[str]], index: dict[str, int]) -> np.ndarray:
    masks = np.zeros(len(sets), dtype=np.int64)
    for i, codes in enumerate(sets):
        m = 0
        for code in codes:
            m |= 1 << index[code]
        masks[i] = m
    return masks


def _validate(children: Sequence[ChildIn], volunteers: Sequence[VolunteerIn]) -> None:
    if len({c.id for c in children}) != len(children):
        raise ValueError("duplicate child id")
    if len({v.id for v in volunteers}) != len(volunteers):
        raise ValueError("duplicate volunteer id")
    for c in children:
        if not c.needs:
            raise ValueError(f"child {c.id} has no needs")
        if c.priority not in PRIORITIES:
            raise ValueError(f"child {c.id} has unknown priority {c.priority!r}")
    for v in volunteers:
        if not v.max_distance_km > 0:
            raise ValueError(f"volunteer {v.id} has non-positive max distance")


def _radius_batches(radius_km: np.ndarray) -> Iterable[np.ndarray]:
    """Volunteer indices grouped into batches of similar distance limits."""
    order = np.argsort(radius_km, kind="stable")
    r = radius_km[order]
    start = 0
    while start < len(order):
        stop = int(np.searchsorted(r, r[start] * _RADIUS_BATCH_RATIO, side="right"))
        stop = min(max(stop, start + 1), start + _MAX_BATCH)
        yield order[start:stop]
        start = stop


class _Table:
    """Children and volunteers of one run as numpy columns, with the pair rules."""

    def __init__(self, children, volunteers, rejected, codes):
        nc, nv = len(children), len(volunteers)
        self.nv = nv
        code_index = {code: i for i, code in enumerate(codes)}
        genders = ({c.gender for c in children} | {v.child_gender for v in volunteers}) - {None}
        gender_index = {g: i for i, g in enumerate(sorted(genders))}

        c_lat = np.fromiter((c.lat for c in children), np.float64, nc)
        c_lng = np.fromiter((c.lng for c in children), np.float64, nc)
        self.c_xyz = unit_vectors(c_lat, c_lng)
        self.c_phi, self.c_lmb = np.radians(c_lat), np.radians(c_lng)
        self.c_cos = np.cos(self.c_phi)
        self.c_needs = _bitmasks([c.needs for c in children], code_index)
        self.c_tier = np.fromiter((tier_of(c.priority, c.repair) for c in children), np.int8, nc)

        v_lat = np.fromiter((v.lat for v in volunteers), np.float64, nv)
        v_lng = np.fromiter((v.lng for v in volunteers), np.float64, nv)
        self.v_xyz = unit_vectors(v_lat, v_lng)
        self.v_phi, self.v_lmb = np.radians(v_lat), np.radians(v_lng)
        self.v_cos = np.cos(self.v_phi)
        self.v_skills = _bitmasks([v.skills for v in volunteers], code_index)
        # A capacity lowered below the active pairs leaves no free place, not a debt.
        self.v_cap = np.maximum(np.fromiter((v.free_capacity for v in volunteers), np.int64, nv), 0)
        self.v_maxd = np.fromiter((v.max_distance_km for v in volunteers), np.float64, nv)
        self.v_chord = chord_radius(self.v_maxd)

        # Preferences only look at (gender, age), which takes few distinct values,
        # so they are tabulated once per volunteer and class instead of per pair.
        c_gender = np.fromiter((gender_index[c.gender] for c in children), np.int64, nc)
        c_age = np.fromiter((c.age for c in children), np.int64, nc)
        classes, c_class = np.unique(
            np.column_stack((c_gender, c_age)), axis=0, return_inverse=True
        )
        self.c_class = c_class.reshape(-1).astype(np.int64)
        self.n_classes = len(classes)
        v_gender = np.fromiter(
            (-1 if v.child_gender is None else gender_index[v.child_gender] for v in volunteers),
            np.int64,
            nv,
        )
        v_age_min = np.fromiter(
            (_INT64_MIN if v.age_min is None else v.age_min for v in volunteers), np.int64, nv
        )
        v_age_max = np.fromiter(
            (_INT64_MAX if v.age_max is None else v.age_max for v in volunteers), np.int64, nv
        )
        self.c_gender, self.c_age = c_gender, c_age
        self.v_gender, self.v_age_min, self.v_age_max = v_gender, v_age_min, v_age_max
        cls_gender, cls_age = classes[:, 0], classes[:, 1]
        self.accepts = (
            ((v_gender[:, None] < 0) | (v_gender[:, None] == cls_gender[None, :]))
            & (cls_age[None, :] >= v_age_min[:, None])
            & (cls_age[None, :] <= v_age_max[:, None])
        ).reshape(-1)

        c_pos = {c.id: i for i, c in enumerate(children)}
        v_pos = {v.id: i for i, v in enumerate(volunteers)}
        keys = [c_pos[c] * nv + v_pos[v] for c, v in rejected if c in c_pos and v in v_pos]
        self.rejected_keys = np.unique(np.array(keys, dtype=np.int64))

    def tree_pairs(
        self, children: np.ndarray | None = None
    ) -> Iterable[tuple[np.ndarray, np.ndarray]]:
        """(child, volunteer) index arrays, batch by batch, covering every pair within
        the volunteer's distance limit (and a few beyond it), optionally only for
        the given children."""
        xyz = self.c_xyz if children is None else self.c_xyz[children]
        if not len(xyz) or not self.nv:
            return
        # SciPy takes a fifth of a second to import; a compiled run whose children all
        # have an eligible volunteer never needs it.
        from scipy.spatial import cKDTree

        child_tree = cKDTree(xyz)
        for batch in _radius_batches(self.v_maxd):
            near = cKDTree(self.v_xyz[batch]).sparse_distance_matrix(
                child_tree, float(self.v_chord[batch].max()), output_type="ndarray"
            )
            # Pairs beyond a volunteer's own limit but within the batch's largest
            # one are left for the exact distance filter.
            ci = near["j"].astype(np.int32)
            yield (ci if children is None else children[ci]), batch[near["i"]].astype(np.int32)

    def distance(self, ci: np.ndarray, vi: np.ndarray) -> np.ndarray:
        return haversine_from_radians(
            self.c_phi[ci],
            self.c_cos[ci],
            self.c_lmb[ci],
            self.v_phi[vi],
            self.v_cos[vi],
            self.v_lmb[vi],
        )

    def shared(self, ci: np.ndarray, vi: np.ndarray) -> np.ndarray:
        return self.c_needs[ci] & self.v_skills[vi]

    def preference_ok(self, ci: np.ndarray, vi: np.ndarray) -> np.ndarray:
        return self.accepts[vi.astype(np.int64) * self.n_classes + self.c_class[ci]]

    def not_rejected(self, ci: np.ndarray, vi: np.ndarray) -> np.ndarray:
        if not self.rejected_keys.size:
            return np.ones(len(ci), dtype=bool)
        return ~np.isin(ci.astype(np.int64) * self.nv + vi, self.rejected_keys)

    def details(self, ci: np.ndarray, vi: np.ndarray) -> dict[str, np.ndarray]:
        """Distance, scores and matched-needs mask of feasible pairs, as published."""
        distance = self.distance(ci, vi)
        matched = self.shared(ci, vi)
        need_score = 60.0 * np.bitwise_count(matched) / np.bitwise_count(self.c_needs[ci])
        distance_score = 40.0 * (1.0 - distance / self.v_maxd[vi])
        return {"distance_km": distance, "need_score": need_score,
                "distance_score": distance_score, "quality": need_score + distance_score,
                "matched": matched}

    def finish(self, ci: np.ndarray, vi: np.ndarray, eligible: np.ndarray,
               kept: np.ndarray | None = None):
        """Of pairs that passed the cheap rules: those within the exact distance limit and
        not rejected mark their child eligible; those with a free place are kept, with their
        cost (quality in thousandths, as the solver rounds it).  ``kept``, if given, is
        set True at the positions kept."""
        d = self.distance(ci, vi)
        keep = np.flatnonzero((d <= self.v_maxd[vi]) & self.not_rejected(ci, vi))
        ci, vi, d = ci[keep], vi[keep], d[keep]
        eligible[ci] = True
        free = np.flatnonzero(self.v_cap[vi] > 0)
        ci, vi, d = ci[free], vi[free], d[free]
        if kept is not None:
            kept[keep[free]] = True
        quality = (60.0 * np.bitwise_count(self.shared(ci, vi))
                   / np.bitwise_count(self.c_needs[ci]))
        quality += 40.0 * (1.0 - d / self.v_maxd[vi])
        return ci, vi, np.rint(quality * QUALITY_SCALE).astype(np.int32)


def _reasons(table: _Table, eligible: np.ndarray) -> np.ndarray:
    """Index into UNPAIRED_REASONS for every child.

    Children with an eligible volunteer (all rules but capacity) get
    AT_CAPACITY; the others are looked at again, pair by pair, to find the
    first rule that shuts every volunteer out.  Usually few children need it.
    """
    n = len(eligible)
    in_reach, need_match, accepted = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool)
    rest = np.flatnonzero(~eligible)
    for ci, vi in table.tree_pairs(rest):
        ok = table.distance(ci, vi) <= table.v_maxd[vi]
        in_reach[ci[ok]] = True
        ok &= table.shared(ci, vi) != 0
        need_match[ci[ok]] = True
        ok &= table.preference_ok(ci, vi)
        accepted[ci[ok]] = True

    reasons = np.full(n, UNPAIRED_REASONS.index(AT_CAPACITY), dtype=np.int8)
    reasons[rest] = UNPAIRED_REASONS.index(NO_VOLUNTEER_IN_REACH)
    # Not eligible, so an accepted child had every accepting pair rejected before.
    for flag, reason in (
        (in_reach, NO_NEED_MATCH),
        (need_match, PREFERENCE_MISMATCH),
        (accepted, REJECTED_BEFORE),
    ):
        reasons[rest[flag[rest]]] = UNPAIRED_REASONS.index(reason)
    return reasons


def _count(parts: list, max_pairs: int | None) -> None:
    if max_pairs is not None:
        held = sum(len(p[0]) for p in parts)
        if held > max_pairs:
            raise TooManyCandidates(held, max_pairs)


def _tree_search(table: _Table, eligible: np.ndarray, max_pairs: int | None = None):
    """The NumPy/SciPy path: k-d tree batches, cheap rules, then one global sort."""
    parts = []
    for ci, vi in table.tree_pairs():
        keep = np.flatnonzero((table.shared(ci, vi) != 0) & table.preference_ok(ci, vi))
        parts.append(table.finish(ci[keep], vi[keep], eligible))
        _count(parts, max_pairs)
    if not parts:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int32)
    child, volunteer, cost = (np.concatenate(p) for p in zip(*parts, strict=True))
    del parts
    order = np.argsort(child.astype(np.int64) * table.nv + volunteer, kind="stable")
    return child[order], volunteer[order], cost[order]


def _kept(table: _Table, eligible: np.ndarray, ci, vi, cost, check):
    """A block's pairs to keep, copied out of the kernel's buffers (by the thread that
    reads the blocks: the time spent here is time the search runs on one core)."""
    at = np.flatnonzero(check)
    if not len(at):
        return ci.copy(), vi.copy(), cost.copy()
    # The few pairs at a limit or half a unit: NumPy decides.  A mask keeps the rows in
    # order without sorting a block's worth of indices.
    keep = np.zeros(len(at), dtype=bool)
    kept_ci, kept_vi, kept_cost = table.finish(ci[at], vi[at], eligible, keep)
    cost[at[keep]] = kept_cost
    rows = ~check
    rows[at[keep]] = True
    return ci[rows], vi[rows], cost[rows]


#: Ranges per thread: children come in id order, which often follows the ledgers'
#: counties, so the pairs per child vary along it; smaller ranges, taken in turn by
#: whichever thread is free, keep every thread busy to the end.
_RANGES_PER_THREAD = 4


def _threaded_blocks(scan, eligible: np.ndarray, threads: int, block: int):
    """(range, kernel buffers) as the threads fill them.  Each range is scanned by one
    thread of the pool, which waits while the caller reads its buffers (until the next
    item is asked for), so everything kept is copied by the calling thread: its memory
    is allocated as one thread's would be, not spread over one allocator arena per
    thread (where what a thread frees stays out of the others' reach)."""
    n = scan.n_children
    bounds = np.linspace(0, n, threads * _RANGES_PER_THREAD + 1).astype(np.int64).tolist()
    ready: queue.SimpleQueue = queue.SimpleQueue()
    stop = threading.Event()
    # One set of buffers per thread, allocated here for the same reason.
    free: queue.SimpleQueue = queue.SimpleQueue()
    for _ in range(threads):
        free.put(kernels.buffers(block))

    def run(index: int, start: int, end: int) -> None:
        out = free.get()
        try:
            if not stop.is_set():
                for views in scan.blocks(eligible, start, end, block, copy=False, out=out):
                    read = threading.Event()
                    ready.put((index, views, read))
                    read.wait()
                    if stop.is_set():
                        break
        except BaseException as failure:  # handed over, raised by the calling thread
            ready.put((index, failure, None))
        else:
            ready.put((index, None, None))
        finally:
            free.put(out)

    pending = len(bounds) - 1
    with ThreadPoolExecutor(threads, thread_name_prefix="match-pairs") as pool:
        for index in range(pending):
            pool.submit(run, index, bounds[index], bounds[index + 1])
        try:
            while pending:
                index, views, read = ready.get()
                if read is None:  # the range is done, or failed
                    pending -= 1
                    if views is not None:
                        raise views
                    continue
                try:
                    yield index, views
                finally:
                    read.set()
        finally:
            # Refused or failed: the threads stop after their current block.
            stop.set()
            while pending:
                index, views, read = ready.get()
                if read is None:
                    pending -= 1
                else:
                    read.set()


def _grid_search(table: _Table, eligible: np.ndarray, max_pairs: int | None = None,
                 threads: int | None = None, block: int = 1 << 21):
    """The compiled path: blocks of children come out in (child, volunteer) order, so the
    peak holds one block's temporaries and the kept pairs (12 bytes each).

    With ``threads`` > 1 (default ``kernels.threads()``, MATCH_THREADS) the children are
    cut into contiguous ranges scanned by a pool of threads (the kernel releases the GIL);
    each range keeps its blocks and they are joined in range order, so the pairs, their
    order and ``eligible`` are exactly those of one thread.  The cap counts the pairs of
    every range together, block by block, as one thread does.
    """
    threads = kernels.threads() if threads is None else max(threads, 1)
    scan = kernels.PairScan(table)
    if threads == 1:
        blocks = ((0, views) for views in scan.blocks(eligible, block=block, copy=False))
        ranges = [[]]
    else:
        # The threads' buffers together are as large as one thread's.
        blocks = _threaded_blocks(scan, eligible, threads, max(block // threads, 1))
        ranges = [[] for _ in range(threads * _RANGES_PER_THREAD)]
    held = 0
    try:
        for index, views in blocks:
            ranges[index].append(_kept(table, eligible, *views))
            held += len(ranges[index][-1][0])
            if max_pairs is not None and held > max_pairs:
                raise TooManyCandidates(held, max_pairs)
    finally:
        blocks.close()  # on a failure, the threads stop and are waited for
    parts = [part for kept in ranges for part in kept]
    del ranges
    if not parts:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int32)
    columns = []
    for k in range(3):  # one column at a time, so the blocks and the whole never add up
        columns.append(np.concatenate([p[k] for p in parts]))
        for p in range(len(parts)):
            parts[p] = tuple(None if j == k else x for j, x in enumerate(parts[p]))
    return tuple(columns)


def build_candidates(
    children: Sequence[ChildIn],
    volunteers: Sequence[VolunteerIn],
    rejected: Iterable[tuple[int, int]] = frozenset(),
    *,
    compiled: bool | None = None,
    max_pairs: int | None = None,
    threads: int | None = None,
) -> Candidates:
    """All feasible pairs with their cost, and the unpaired reason for every child.

    ``compiled`` picks the numba kernels (default: when available) or the NumPy path;
    both give the same arrays.  More than ``max_pairs`` pairs raise ``TooManyCandidates``
    as soon as they are found (``pairs_within`` turns a memory budget into pairs).
    The compiled search runs on ``threads`` threads (default MATCH_THREADS, else the
    CPUs available), with the same result whatever their number.
    Pairs are in (child, volunteer) order, whatever order the
    search found them in: the same people always give the same components, solved the
    same way (so a run split over workers proposes what one process does;
    services.matching.parts).
    """
    _validate(children, volunteers)
    codes = tuple(
        sorted(set().union(*(c.needs for c in children), *(v.skills for v in volunteers)))
    )
    if len(codes) > 63:
        raise ValueError("more than 63 distinct need codes")
    table = _Table(children, volunteers, rejected, codes)

    eligible = np.zeros(len(children), dtype=bool)  # some volunteer passes every rule but capacity
    use_kernels = kernels.available() if compiled is None else compiled
    if not len(children) or not len(volunteers):
        child = volunteer = cost = np.zeros(0, np.int32)
    elif use_kernels:
        child, volunteer, cost = _grid_search(table, eligible, max_pairs, threads)
    else:
        child, volunteer, cost = _tree_search(table, eligible, max_pairs)

    return Candidates(
        codes=codes,
        child_ids=np.fromiter((c.id for c in children), np.int64, len(children)),
        child_tiers=table.c_tier,
        child_reasons=_reasons(table, eligible),
        volunteer_ids=np.fromiter((v.id for v in volunteers), np.int64, len(volunteers)),
        capacities=table.v_cap,
        child=child,
        volunteer=volunteer,
        cost=cost,
        scorer=table,
    )


def unpaired_reasons(cands: Candidates, paired_child_ids: Iterable[int]) -> dict[int, str]:
    """Reason code for every child of the run that is not in ``paired_child_ids``."""
    paired = np.fromiter(paired_child_ids, dtype=np.int64)
    unpaired = ~np.isin(cands.child_ids, paired)
    return {
        int(cid): UNPAIRED_REASONS[r]
        for cid, r in zip(
            cands.child_ids[unpaired].tolist(), cands.child_reasons[unpaired].tolist(), strict=True
        )
    }
