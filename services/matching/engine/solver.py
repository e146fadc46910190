"""Exact lexicographic pairing of children and volunteers.

A pairing takes each child at most once and each volunteer at most
``free_capacity`` times.  Among all pairings it maximises, in this order,
(1) urgent children paired, (2) high, (3) normal, (4) total quality.
Each priority is split in two tiers (``records.TIERS``): children waiting to
be paired again come first within their priority.  Everything below works
on those six tiers; by the matroid argument the tier-by-tier optimum is also
optimal for the three priorities, so re-pair children only win ties of count.

Why two stages are exact.  The sets of children that can be paired together
are the independent sets of a transversal matroid.  For a matroid the greedy
basis built tier by tier is lexicographically maximal, so the best counts are
  U* = maxflow(urgent), U* + H* = maxflow(urgent + high),
  U* + H* + N* = maxflow(all)
(likewise for the six tiers) and one pairing reaches all of them at once.  A
min-cost flow whose tier sources supply exactly those counts ranges over exactly the
lexicographically optimal pairings and picks the one of maximum quality.

Before the cost stage, edges that no lexicographically optimal pairing can
use are dropped (see ``_lexicographic_plan``); when children outnumber places
this removes most lower-priority edges and keeps the min-cost flow small.

Compiled path.  With numba (``kernels.available``) and pairs in child order (every
run's), the counts and kept pairs come from one tier-by-tier pairing grown by augmenting
paths (``flow_kernels``, same counts and same kept pairs as the max flows).  On
components with millions of kept pairs the min-cost flow is then priced: solved over the
best few kept pairs, grown by the kept pairs whose reduced cost proves them useful, until
none is left (``_priced_min_cost``).  Its optimum is that of the flow over all kept
pairs; where pairings tie it may pick another.

Why costs cannot overflow.  Priorities are never folded into big weights;
each arc costs -round(quality * 1000) with quality in (0, 100], so
|arc cost| <= 100000 and |total cost| <= 100000 * number of children, far
inside int64 even after the solver's internal scaling by the node count.
Qualities are compared at 0.001 resolution.

The candidate graph splits into connected components that can be solved
independently (e.g. as a Celery group, via ``Component.to_dict``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from ortools.graph.python.max_flow import SimpleMaxFlow
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

from . import certificate, kernels
from . import certificate_kernels as ck
from . import flow_kernels as fk
from .candidates import QUALITY_SCALE, Candidates
from .records import TIERS, Proposal


class MatchingSolverError(RuntimeError):
    """A flow solver did not report an optimal solution."""


class NotProvenOptimal(MatchingSolverError):
    """A pairing failed its optimality certificate (``certificate``)."""


_ARRAY_DTYPES = {
    "child_ids": np.int64,
    "child_tiers": np.int8,
    "volunteer_ids": np.int64,
    "capacities": np.int64,
    "edge_child": np.int32,
    "edge_volunteer": np.int32,
    "distance_km": np.float64,
    "need_score": np.float64,
    "distance_score": np.float64,
    "quality": np.float64,
    "matched": np.int64,
}


_DETAILS = ("distance_km", "need_score", "distance_score", "quality", "matched")


class _PairScores:
    """The pairs of a component cut from a run's candidates, whose scores are worked out
    from the candidates when asked for, never held for every pair."""

    __slots__ = ("source", "kids", "vols", "edge_child", "edge_volunteer")

    def __init__(self, source: Candidates, kids, vols, edge_child, edge_volunteer):
        # The component's own arrays: positions of its people in ``source``, its edges.
        self.source, self.kids, self.vols = source, kids, vols
        self.edge_child, self.edge_volunteer = edge_child, edge_volunteer

    def details(self, edges=slice(None)) -> dict[str, np.ndarray]:
        return self.source.details(self.kids[self.edge_child[edges]],
                                   self.vols[self.edge_volunteer[edges]])


class ScoreColumn:
    """One score of every pair of a component (``np.asarray`` works it out): lets a
    component carry its scores without holding them."""

    __slots__ = ("pairs", "name")

    def __init__(self, pairs: _PairScores, name: str):
        self.pairs, self.name = pairs, name

    def __array__(self, dtype=None, copy=None):
        column = self.pairs.details()[self.name]
        return column if dtype is None else column.astype(dtype)

    def __getitem__(self, edges) -> np.ndarray:
        return self.pairs.details(edges)[self.name]

    def __len__(self) -> int:
        return len(self.pairs.edge_child)

    def __eq__(self, other) -> bool:
        mine, theirs = np.asarray(self), np.asarray(other)
        return mine.dtype == theirs.dtype and np.array_equal(mine, theirs)

    __hash__ = None

    def tolist(self) -> list:
        return np.asarray(self).tolist()


@dataclass(slots=True, eq=False)
class Component:
    """One connected part of the candidate graph, solvable on its own.

    Edge arrays are parallel; ``edge_child``/``edge_volunteer`` index into
    ``child_ids``/``volunteer_ids``.  ``cost`` is the quality in thousandths, what the
    solver compares.  A component cut from a run's candidates has ``ScoreColumn``s for
    the scores (worked out for the pairs it proposes, or on ``np.asarray``), so a big
    component holds 12 bytes a pair; a hand-made one may pass plain arrays and no cost.
    Picklable as is; ``to_dict`` for JSON.
    """

    codes: tuple[str, ...]
    child_ids: np.ndarray
    child_tiers: np.ndarray  # index into TIERS
    volunteer_ids: np.ndarray
    capacities: np.ndarray  # free capacity, all > 0
    edge_child: np.ndarray
    edge_volunteer: np.ndarray
    distance_km: np.ndarray | ScoreColumn
    need_score: np.ndarray | ScoreColumn
    distance_score: np.ndarray | ScoreColumn
    quality: np.ndarray | ScoreColumn
    matched: np.ndarray | ScoreColumn  # bitmask over codes
    cost: np.ndarray | None = None  # int32, round(quality * QUALITY_SCALE)

    @property
    def n_edges(self) -> int:
        return int(self.edge_child.shape[0])

    def details(self, edges: np.ndarray) -> dict[str, np.ndarray]:
        """Distance, scores and matched needs of the given edges."""
        if isinstance(self.quality, ScoreColumn):
            return self.quality.pairs.details(edges)
        return {name: getattr(self, name)[edges] for name in _DETAILS}

    def to_dict(self) -> dict:
        """JSON-ready form (plain lists; floats round-trip exactly through JSON)."""
        data = {name: getattr(self, name).tolist() for name in _ARRAY_DTYPES}
        data["codes"] = list(self.codes)
        if self.cost is not None:
            data["cost"] = self.cost.tolist()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Component:
        arrays = {name: np.asarray(data[name], dtype=dt) for name, dt in _ARRAY_DTYPES.items()}
        cost = np.asarray(data["cost"], dtype=np.int32) if "cost" in data else None
        return cls(codes=tuple(data["codes"]), cost=cost, **arrays)


def _members(order: np.ndarray, sorted_labels: np.ndarray, label: int) -> np.ndarray:
    """Indices carrying ``label``, given an argsort of the labels and the sorted labels."""
    lo, hi = np.searchsorted(sorted_labels, [label, label + 1])
    return order[lo:hi]


def _local_index(labels: np.ndarray) -> np.ndarray:
    """Position of each node among the nodes with the same label."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.searchsorted(sorted_labels, sorted_labels, side="left")
    local = np.empty(len(labels), dtype=np.int32)
    local[order] = np.arange(len(labels)) - starts
    return local


def _labels_scipy(cands: Candidates):
    """Component labels (numbered by smallest child) of pairs, children and volunteers."""
    from scipy.sparse import coo_matrix  # the NumPy path only: SciPy is slow to import
    from scipy.sparse.csgraph import connected_components

    nc, nv = len(cands.child_ids), len(cands.volunteer_ids)
    graph = coo_matrix(
        (np.ones(len(cands), dtype=np.int8), (cands.child, nc + cands.volunteer.astype(np.int64))),
        shape=(nc + nv, nc + nv),
    ).tocsr()
    _, labels = connected_components(graph, directed=False)
    del graph
    child_label, vol_label = labels[:nc], labels[nc:]
    # Renumber the components that have pairs 0, 1, ... by smallest child; others -1.
    has_pair = np.zeros(nc, dtype=bool)
    has_pair[cands.child] = True
    used = np.unique(child_label[has_pair])  # SciPy numbers components by smallest node
    renumber = np.full(nc + nv, -1, dtype=np.int64)
    renumber[used] = np.arange(len(used))
    edge_label = renumber[child_label[cands.child]]
    return len(used), edge_label, renumber[child_label], renumber[vol_label]


def _group_scipy(labels: np.ndarray, n_labels: int):
    order = np.argsort(labels, kind="stable")
    return order, np.searchsorted(labels[order], np.arange(n_labels + 1))


def split_components(cands: Candidates, *, compiled: bool | None = None,
                     release: bool = False) -> list[Component]:
    """Connected components of the candidate graph, largest first (ties: smallest child).

    Children and volunteers without any candidate pair belong to no component.  Within a
    component, pairs keep the candidates' (child, volunteer) order.  ``compiled`` picks
    the numba union-find (default: when available) or SciPy; both give the same parts.
    With ``release`` the candidates' pair arrays are let go once the components hold
    their copies (``Candidates.release_pairs``), so a run never holds both while solving.
    """
    if len(cands) == 0:
        return []
    nc, nv = len(cands.child_ids), len(cands.volunteer_ids)
    use_kernels = kernels.available() if compiled is None else compiled
    if use_kernels:
        (n_labels, child_label, vol_label, child_local, vol_local, starts, edge_child,
         edge_volunteer, cost) = kernels.split(cands.child, cands.volunteer, cands.cost, nc, nv)
        groups = [slice(starts[k], starts[k + 1]) for k in range(n_labels)]
    else:
        n_labels, edge_label, child_label, vol_label = _labels_scipy(cands)
        child_local, vol_local = _local_index(child_label), _local_index(vol_label)
        order, starts = _group_scipy(edge_label, n_labels)
        del edge_label
        groups = [order[starts[k]:starts[k + 1]] for k in range(n_labels)]
        edge_child = child_local[cands.child]
        edge_volunteer = vol_local[cands.volunteer]
        cost = cands.cost
    sizes = np.diff(starts)
    group_labels = sorted(range(n_labels), key=lambda k: -sizes[k])

    child_order = np.argsort(child_label, kind="stable")
    child_sorted = child_label[child_order]
    vol_order = np.argsort(vol_label, kind="stable")
    vol_sorted = vol_label[vol_order]

    components = []
    for label in group_labels:
        kids = _members(child_order, child_sorted, label)
        vols = _members(vol_order, vol_sorted, label)
        edges = groups[label]
        # The compiled path's arrays are grouped already: each component a slice.
        pairs = _PairScores(cands, kids, vols, edge_child[edges], edge_volunteer[edges])
        components.append(
            Component(
                codes=cands.codes,
                child_ids=cands.child_ids[kids],
                child_tiers=cands.child_tiers[kids],
                volunteer_ids=cands.volunteer_ids[vols],
                capacities=cands.capacities[vols],
                edge_child=pairs.edge_child,
                edge_volunteer=pairs.edge_volunteer,
                cost=cost[edges],
                **{name: ScoreColumn(pairs, name) for name in _DETAILS},
            )
        )
    if release:
        cands.release_pairs()
    return components


def _costs(comp: Component, edges=slice(None)) -> np.ndarray:
    """Arc costs of the pairs ``edges``: minus the quality in thousandths."""
    if comp.cost is not None:
        return -comp.cost[edges].astype(np.int64)
    return -np.rint(np.asarray(comp.quality)[edges] * QUALITY_SCALE).astype(np.int64)


def _max_flow(comp: Component, edges: np.ndarray, vol_cap: np.ndarray) -> tuple[int, np.ndarray]:
    """Maximum number of children pairable using only ``edges``, and which edges carry flow."""
    nc, nv = len(comp.child_ids), len(comp.volunteer_ids)
    source, sink = nc + nv, nc + nv + 1
    has_edge = np.zeros(nc, dtype=bool)
    has_edge[comp.edge_child[edges]] = True
    kids = np.flatnonzero(has_edge).astype(np.int32)
    flow = SimpleMaxFlow()
    # Pair arcs go first so their arc indices are positions in ``edges``.
    flow.add_arcs_with_capacity(
        comp.edge_child[edges],
        (nc + comp.edge_volunteer[edges]).astype(np.int32),
        np.ones(len(edges), dtype=np.int64),
    )
    flow.add_arcs_with_capacity(
        np.arange(nc, nc + nv, dtype=np.int32), np.full(nv, sink, dtype=np.int32), vol_cap
    )
    flow.add_arcs_with_capacity(
        np.full(len(kids), source, dtype=np.int32), kids, np.ones(len(kids), dtype=np.int64)
    )
    status = flow.solve(source, sink)
    if status != SimpleMaxFlow.OPTIMAL:
        raise MatchingSolverError(f"max flow failed with status {status}")
    return int(flow.optimal_flow()), flow.flows(np.arange(len(edges), dtype=np.int32)) > 0


def _can_free_a_place(
    comp: Component, edges: np.ndarray, used: np.ndarray, vol_cap: np.ndarray
) -> np.ndarray:
    """Volunteers that have a free place in *some* maximum flow over ``edges``.

    Given one maximum flow, volunteer v qualifies when it has a free place, or
    one of its children could move to a volunteer that qualifies (an unused
    pair arc).  This is the set of volunteers that reach the sink in the
    residual graph, which is the same for every maximum flow.
    """
    from scipy.sparse import coo_matrix  # the NumPy path only: SciPy is slow to import
    from scipy.sparse.csgraph import breadth_first_order

    nv = len(comp.volunteer_ids)
    slack = vol_cap - np.bincount(comp.edge_volunteer[edges[used]], minlength=nv)
    owner = np.full(len(comp.child_ids), -1, dtype=np.int64)
    owner[comp.edge_child[edges[used]]] = comp.edge_volunteer[edges[used]]
    free = edges[~used]
    moves_from = owner[comp.edge_child[free]]
    movable = moves_from >= 0
    # Search backwards from a virtual node ``nv`` linked to every free place.
    free_places = np.flatnonzero(slack > 0)
    tails = np.concatenate((comp.edge_volunteer[free[movable]], np.full(len(free_places), nv)))
    heads = np.concatenate((moves_from[movable], free_places))
    graph = coo_matrix(
        (np.ones(len(tails), dtype=np.int8), (tails, heads)), shape=(nv + 1, nv + 1)
    ).tocsr()
    reached = np.zeros(nv + 1, dtype=bool)
    reached[breadth_first_order(graph, nv, directed=True, return_predecessors=False)] = True
    return reached[:nv]


def _lexicographic_plan(comp: Component, vol_cap: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Optimal counts per tier and the edges worth offering the cost stage.

    Counts come from max flows over tiers <= k.  In a lexicographically
    optimal pairing the children of tiers < k form a maximum flow of those
    tiers, so a tier-k child sits with a volunteer that has a free place in
    some such maximum flow.  Tier-k edges to any other volunteer are dropped:
    every optimal pairing survives, so solving the pruned graph is exact.
    """
    edge_tier = comp.child_tiers[comp.edge_child]
    limit = int(vol_cap.sum())
    open_to_next = np.ones(len(comp.volunteer_ids), dtype=bool)
    kept: list[np.ndarray] = []
    counts: list[int] = []
    best = 0
    for tier in range(len(TIERS)):
        new = np.flatnonzero(edge_tier == tier)
        new = new[open_to_next[comp.edge_volunteer[new]]]
        if not len(new):
            counts.append(0)  # same network as before, same flow
            continue
        kept.append(new)
        edges = np.concatenate(kept)
        value, used = _max_flow(comp, edges, vol_cap)
        counts.append(value - best)
        best = value
        if value == limit:
            open_to_next[:] = False
        elif (edge_tier > tier).any():
            open_to_next = _can_free_a_place(comp, edges, used, vol_cap)
    return counts, (np.concatenate(kept) if kept else np.zeros(0, dtype=np.int64))


class _Plan(NamedTuple):
    """What the count stage hands the cost stage (``_lexicographic_plan``)."""

    counts: list[int]  # children paired per tier, the lexicographic optimum
    kept: np.ndarray | None  # pairs offered to the cost stage (network path)
    pairing: np.ndarray | None  # compiled path: a pairing reaching ``counts``
    child_start: np.ndarray | None  # compiled path: offsets of each child's pairs
    open_: np.ndarray | None  # compiled path: the volunteers offered to each tier


def _plan(comp: Component, vol_cap: np.ndarray, compiled: bool | None = None) -> _Plan:
    """The counts per tier and the pairs worth offering, by the compiled tier-by-tier
    pairing (``flow_kernels``) when available and the pairs are in child order, else by
    a max flow per tier; both give the same counts and the same pairs (tests check)."""
    use_kernels = kernels.available() if compiled is None else compiled
    if not (use_kernels and fk.in_child_order(comp.edge_child)):
        counts, kept = _lexicographic_plan(comp, vol_cap)
        return _Plan(counts, kept, None, None, None)
    child_start = ck.child_starts(comp.edge_child, len(comp.child_ids))
    counts, open_, mate = fk.tier_plan(child_start, comp.edge_volunteer, comp.child_tiers,
                                       vol_cap, len(TIERS))
    return _Plan(counts.tolist(), None, mate[mate >= 0], child_start, open_)


def _vol_caps(comp: Component) -> np.ndarray:
    """Free places of each volunteer: never more than their number of candidates."""
    nv = len(comp.volunteer_ids)
    return np.minimum(comp.capacities, kernels.counts(comp.edge_volunteer, nv))


def _solve_flow(comp: Component) -> np.ndarray:
    vol_cap = _vol_caps(comp)
    plan = _plan(comp, vol_cap)
    if sum(plan.counts) == 0:
        return np.zeros(0, dtype=np.int64)
    everyone = np.arange(len(comp.child_ids))
    if plan.pairing is None:
        return _min_cost_pairs(comp, plan.counts, plan.kept, vol_cap, everyone)
    args = (plan.child_start, comp.edge_volunteer, comp.child_tiers, plan.open_)
    if fk.n_kept(*args) < _PRICED_FROM:
        # The same network as the max-flow path builds, so the same pairs.
        return _min_cost_pairs(comp, plan.counts, fk.kept_pairs(*args, len(TIERS)), vol_cap,
                               everyone)
    return _priced_min_cost(comp, plan, vol_cap)


def _min_cost_pairs(comp: Component, counts: list[int], edges: np.ndarray,
                    vol_cap: np.ndarray, kids: np.ndarray) -> np.ndarray:
    """The min-cost flow over ``edges`` whose tier sources supply ``counts``: the pairs
    (sorted edge positions) of an optimal pairing among those using only ``edges``.

    ``kids`` (sorted) are the children given a node: all of them, or those with a pair
    in ``edges`` (a child without one can carry no flow, so leaving it out changes
    nothing but the network's size)."""
    nc, nv, nk = len(comp.child_ids), len(comp.volunteer_ids), len(kids)
    total = sum(counts)
    local = kids if nk == nc else np.searchsorted(kids, np.arange(nc)).astype(np.int32)
    tiers = nk + nv + np.arange(len(TIERS), dtype=np.int32)
    sink = nk + nv + len(TIERS)
    flow = SimpleMinCostFlow()
    # Pair arcs go first so their arc indices are positions in ``edges``.
    flow.add_arcs_with_capacity_and_unit_cost(
        local[comp.edge_child[edges]].astype(np.int32),
        (nk + comp.edge_volunteer[edges]).astype(np.int32),
        np.ones(len(edges), dtype=np.int64),
        _costs(comp, edges),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        tiers[comp.child_tiers[kids].astype(np.intp)],
        np.arange(nk, dtype=np.int32),
        np.ones(nk, dtype=np.int64),
        np.zeros(nk, dtype=np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(nk, nk + nv, dtype=np.int32),
        np.full(nv, sink, dtype=np.int32),
        vol_cap,
        np.zeros(nv, dtype=np.int64),
    )
    flow.set_nodes_supplies(
        np.append(tiers, np.int32(sink)).astype(np.int32),
        np.array(counts + [-total], dtype=np.int64),
    )
    status = flow.solve()
    if status != SimpleMinCostFlow.OPTIMAL:
        raise MatchingSolverError(f"min cost flow failed with status {status}")
    return np.sort(edges[flow.flows(np.arange(len(edges), dtype=np.int32)) > 0])


# From this many kept pairs on, the cost stage is priced (``_priced_min_cost``): below,
# its rounds cost about as much as one flow over all kept pairs (Guangxi's first 60,000
# children, 0.87 million kept pairs: 0.49 s either way); above, it wins (Guangxi's
# 2.4 million: 1.9 s in one flow, 1.2 s priced; Sichuan's 16.8 million: 15 s, 5.7 s).
_PRICED_FROM = 1_000_000
# The pairs the priced cost stage starts from: each child's and each volunteer's best.
# Few of each, with a wide ``_NEAR``: three rounds on Guangxi and Sichuan, each smaller
# (5 and 20 with 2,000: Guangxi 4 rounds, 1.8 s; Sichuan 3 rounds, 6.1 s).
_BEST_PER_CHILD = 2
_BEST_PER_VOLUNTEER = 10
# Pairs of reduced cost below this (thousandths of quality) are added with the negative
# ones, since those near zero would likely turn negative in the next round.
_NEAR = 5000


def _priced_min_cost(comp: Component, plan: _Plan, vol_cap: np.ndarray) -> np.ndarray:
    """The min-cost flow over all offered pairs, solved over a few of them at a time.

    Start from each child's and each volunteer's best offered pairs plus the pairs of
    the count stage's pairing (so the tier counts stay reachable), solve the min-cost
    flow over them, and take the shortest distances in its residual graph as node
    potentials.  While an offered pair left out has an arc of negative reduced cost under
    them, every pair left out whose reduced cost is below ``_NEAR`` is added (those near
    zero would likely turn negative next) and the flow solved again; when none is
    negative, the potentials give every arc of the network over *all* offered pairs a
    reduced cost >= 0, which proves the flow optimal there too (no negative cycle).  Each
    round adds a pair, so it ends.
    """
    nc, nv = len(comp.child_ids), len(comp.volunteer_ids)
    tiers = comp.child_tiers.astype(np.int64)
    cost = comp.cost if comp.cost is not None else -_costs(comp).astype(np.int32)
    offered = fk.best_pairs(plan.child_start, comp.edge_volunteer, cost,
                            comp.child_tiers, plan.open_, _BEST_PER_CHILD,
                            _BEST_PER_VOLUNTEER)
    offered[plan.pairing] = True
    while True:
        edges = np.flatnonzero(offered)
        has_pair = np.zeros(nc, dtype=bool)
        has_pair[comp.edge_child[edges]] = True
        chosen = _min_cost_pairs(comp, plan.counts, edges, vol_cap, np.flatnonzero(has_pair))
        used = np.full(nc, -1, dtype=np.int64)
        used[comp.edge_child[chosen]] = np.searchsorted(edges, chosen)
        load = np.bincount(comp.edge_volunteer[chosen], minlength=nv).astype(np.int64)
        start = ck.child_starts(comp.edge_child[edges], nc)
        acyclic, dist = ck.potentials(comp.edge_volunteer[edges], cost[edges], start,
                                      tiers, vol_cap, used, load, len(TIERS))
        if not acyclic:
            raise MatchingSolverError("min cost flow left a negative cycle")
        near = fk.underpriced(plan.child_start, comp.edge_volunteer, cost, comp.child_tiers,
                              plan.open_, offered, dist, _NEAR)
        reduced = dist[comp.edge_child[near]] - dist[nc + comp.edge_volunteer[near]] \
            - cost[near].astype(np.int64)
        if not (reduced < 0).any():
            return chosen
        offered[near] = True


def _solve_tiny(comp: Component) -> np.ndarray:
    """Components with one child or one volunteer, solved by sorting.

    One child: its best pair.  One volunteer: any set of up to capacity
    children is feasible, so take them by (priority, quality).  Ties go to the
    lower id, which keeps the result reproducible.
    """
    costs = _costs(comp)
    if len(comp.child_ids) == 1:
        return np.lexsort((comp.volunteer_ids[comp.edge_volunteer], costs))[:1]
    take = min(int(comp.capacities[0]), comp.n_edges)
    order = np.lexsort((comp.child_ids[comp.edge_child], costs, comp.child_tiers[comp.edge_child]))
    return np.sort(order[:take])


def solve_component(comp: Component, seconds: dict | None = None,
                    later: list | None = None) -> list[Proposal]:
    """Lexicographically optimal pairing of one component, proven so by its certificate
    (unless ``MATCH_CERTIFY=0``); ``seconds["certifying"]``, if given, adds the time the
    certificate took.  With ``later`` (a list) the certificate is not checked here: the
    component and its pairing are added to ``later`` for ``certify`` (see
    ``engine.Certification``)."""
    if comp.n_edges == 0:
        return []
    if len(comp.child_ids) == 1 or len(comp.volunteer_ids) == 1:
        chosen = _solve_tiny(comp)
    else:
        chosen = _solve_flow(comp)
    if certificate.enabled() and later is not None:
        later.append((comp, chosen))
    elif certificate.enabled():
        started = time.perf_counter()
        certify(comp, chosen)
        if seconds is not None:
            seconds["certifying"] = seconds.get("certifying", 0.0) + (
                time.perf_counter() - started)
    return _proposals(comp, chosen)


def certify(comp: Component, chosen: np.ndarray) -> None:
    """Raise ``NotProvenOptimal`` unless the pairs ``chosen`` (edge positions) pass the
    optimality certificate over all the component's candidate pairs."""
    verdict = certificate.check(comp, comp.edge_child[chosen], comp.edge_volunteer[chosen])
    if verdict.failure is not None:
        raise NotProvenOptimal(
            f"pairing of a component of {len(comp.child_ids)} children and "
            f"{len(comp.volunteer_ids)} volunteers is not proven optimal: {verdict.explain()}")


def _proposals(comp: Component, chosen: np.ndarray) -> list[Proposal]:
    needs_cache: dict[int, tuple[str, ...]] = {}

    def needs(mask: int) -> tuple[str, ...]:
        if mask not in needs_cache:
            needs_cache[mask] = tuple(sorted(c for i, c in enumerate(comp.codes) if mask >> i & 1))
        return needs_cache[mask]

    scores = comp.details(chosen)
    return [
        Proposal(
            child_id=cid,
            volunteer_id=vid,
            distance_km=dist,
            quality=q,
            need_score=ns,
            distance_score=ds,
            matched_needs=needs(m),
            priority=TIERS[t][0],
            repair=TIERS[t][1],
        )
        for cid, vid, dist, q, ns, ds, m, t in zip(
            comp.child_ids[comp.edge_child[chosen]].tolist(),
            comp.volunteer_ids[comp.edge_volunteer[chosen]].tolist(),
            scores["distance_km"].tolist(),
            scores["quality"].tolist(),
            scores["need_score"].tolist(),
            scores["distance_score"].tolist(),
            scores["matched"].tolist(),
            comp.child_tiers[comp.edge_child[chosen]].tolist(),
            strict=True,
        )
    ]
