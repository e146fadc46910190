"""A certificate that a component's pairing is lexicographically optimal, checked after
every solve over *all* the component's candidate pairs, not only those the solver kept.

The solver's answer is trusted only as far as three checks go, each a pass over the
pairs (or a graph search touching each pair a bounded number of times), with arrays
per child and per volunteer only, so a run proves its own optimality without holding
anything per pair beyond the component's own 12 bytes:

1. Feasibility.  Every proposed pair is a candidate pair, each child is proposed at
   most once, each volunteer at most ``vol_cap`` times (free capacity, at most its
   number of candidates, as the solver counts it).

2. The tier counts are the best possible.  For each tier k, the pairs of children of
   tiers <= k form a maximum flow over those children's candidate pairs: no augmenting
   path leads from an unpaired child of tiers <= k through an unused pair to a
   volunteer, back from a volunteer through one of its pairs (child of tier <= k) to
   that child, and so on, to a volunteer with a free place under those pairs.  With
   no such path the reached volunteers and the unreached children give a cut of the
   pairing's size, so its count over tiers <= k equals the max flow, which bounds
   every pairing's; as this holds for every k, the counts per tier are the
   lexicographic optimum (the prefix sums are all at their maxima).

3. Quality is the best among pairings with those counts.  Take the min-cost flow
   network over all candidate pairs (tier node -> child cost 0, child -> volunteer
   cost -quality in thousandths, volunteer -> sink cost 0 up to ``vol_cap``) with the
   tier nodes supplying exactly the pairing's counts.  A flow is of minimum cost if and
   only if its residual graph has no negative cycle, which holds if and only if node
   potentials exist under which every residual arc has a reduced cost
   cost + d[tail] - d[head] >= 0.  The potentials are the shortest distances from a
   root joined to every node (label-correcting search; a negative cycle is found
   instead, and fails the check), and the reduced costs are then checked arc by arc.

Why all pairs, when the solver dropped some.  Any flow with these tier supplies pairs
the optimal number of children of each tier, so it is lexicographically optimal in
counts; the pruning argument (``solver._lexicographic_plan``) shows that every such
pairing uses only kept pairs.  So the feasible flows over all pairs are exactly those
over the kept pairs, the optimum over all pairs equals the solver's optimum, and the
full residual graph has no negative cycle when the solver is right.  Checking over all
pairs makes the certificate independent of the pruning: it would also catch a pruning
that dropped a pair it should have kept.

Together.  By 1 the pairing is a pairing; by 2 no pairing has lexicographically better
counts; by 3 no pairing with the same counts has a larger total quality (in the
solver's thousandths).  Hence no pairing is better in the published order.  Both tiny
components (one child or one volunteer, solved by sorting) and flow-solved ones are
checked the same way.

The loops are compiled (``certificate_kernels``); the NumPy/SciPy twin below gives the
same verdicts when numba is missing or ``MATCH_COMPILED=0``.  ``MATCH_CERTIFY=0`` skips
the check (it is on by default).
"""

from __future__ import annotations

import os
from typing import NamedTuple

import numpy as np

from . import certificate_kernels as ck
from . import kernels
from .candidates import QUALITY_SCALE
from .records import TIERS

_FAILURES = {
    ck.NOT_CANDIDATE: "not_candidate",
    ck.PAIRED_TWICE: "paired_twice",
    ck.OVER_CAPACITY: "over_capacity",
    ck.FEWER_CHILDREN: "fewer_children",
    ck.LOWER_QUALITY: "lower_quality",
}


class Verdict(NamedTuple):
    """``failure`` is None when the pairing is proven optimal, else which check failed
    ("not_candidate", "paired_twice", "over_capacity", "fewer_children",
    "lower_quality", or "malformed" for a component whose pairs repeat); ``tier`` is
    the first tier whose count could be larger ("fewer_children" only)."""

    failure: str | None = None
    tier: int | None = None

    def explain(self) -> str:
        if self.failure == "fewer_children":
            priority, repair = TIERS[self.tier]
            group = f"{priority} children" + (" waiting to be paired again" if repair else "")
            return f"more children up to {group} could be paired"
        return {
            "not_candidate": "a proposed pair is not a candidate pair",
            "paired_twice": "a child is proposed twice",
            "over_capacity": "a volunteer is proposed more children than places",
            "lower_quality": "a pairing of higher total quality with the same counts exists",
            "malformed": "the component's candidate pairs repeat or point outside it",
        }.get(self.failure, "proven optimal")


def enabled() -> bool:
    """Whether runs certify their pairings (``MATCH_CERTIFY``, on unless set to 0)."""
    return os.environ.get("MATCH_CERTIFY", "1") != "0"


def _costs(comp) -> np.ndarray:
    """Quality of every pair in thousandths (int32), as the solver compares them."""
    if comp.cost is not None:
        return comp.cost
    return np.rint(np.asarray(comp.quality) * QUALITY_SCALE).astype(np.int32)


def check(comp, pair_child, pair_volunteer, *, compiled: bool | None = None) -> Verdict:
    """Verdict on the pairing given as local (child, volunteer) indices of ``comp``."""
    nc, nv = len(comp.child_ids), len(comp.volunteer_ids)
    edge_child, edge_volunteer, cost = comp.edge_child, comp.edge_volunteer, _costs(comp)
    use_kernels = kernels.available() if compiled is None else compiled
    in_order = ck.in_order if use_kernels else _in_order
    if not in_order(edge_child, edge_volunteer, nc, nv):
        # Hand-made components may list pairs in any order; runs' never do.
        order = np.lexsort((edge_volunteer, edge_child))
        edge_child, edge_volunteer, cost = edge_child[order], edge_volunteer[order], cost[order]
        if not in_order(edge_child, edge_volunteer, nc, nv):
            return Verdict("malformed")
    if use_kernels:
        vol_cap = ck.places(edge_volunteer, comp.capacities.astype(np.int64))
    else:
        vol_cap = np.minimum(comp.capacities,
                             np.bincount(edge_volunteer, minlength=nv)).astype(np.int64)
    pairing = (np.asarray(pair_child, dtype=np.int64), np.asarray(pair_volunteer, dtype=np.int64))
    tiers = comp.child_tiers.astype(np.int64)
    if use_kernels:
        code, tier = _check_compiled(edge_child, edge_volunteer, cost, tiers, vol_cap,
                                     *pairing, nc)
    else:
        code, tier = _check_numpy(edge_child, edge_volunteer, cost, tiers, vol_cap,
                                  *pairing, nc)
    return Verdict() if code == ck.OK else Verdict(_FAILURES[code], tier)


def _check_compiled(edge_child, edge_volunteer, cost, tiers, vol_cap, pair_child,
                    pair_volunteer, nc):
    code, child_start, used, load = ck.feasible(edge_child, edge_volunteer, vol_cap,
                                                pair_child, pair_volunteer, nc)
    if code != ck.OK:
        return code, None
    tier = ck.fewer_than_possible(edge_volunteer, child_start, tiers, vol_cap, used,
                                  len(TIERS))
    if tier >= 0:
        return ck.FEWER_CHILDREN, int(tier)
    found, dist = ck.potentials(edge_volunteer, cost, child_start, tiers, vol_cap, used,
                                load, len(TIERS))
    if not found or not ck.reduced_costs_hold(edge_child, edge_volunteer, cost, tiers,
                                              vol_cap, used, load, dist, len(TIERS)):
        return ck.LOWER_QUALITY, None
    return ck.OK, None


# ---------------------------------------------------------------- NumPy/SciPy twin


def _in_order(edge_child, edge_volunteer, nc, nv) -> bool:
    if not len(edge_child):
        return True
    if min(edge_child.min(), edge_volunteer.min()) < 0 or edge_child.max() >= nc \
            or edge_volunteer.max() >= nv:
        return False
    return bool((np.diff(edge_child.astype(np.int64) * nv + edge_volunteer) > 0).all())


def _check_numpy(edge_child, edge_volunteer, cost, tiers, vol_cap, pair_child,
                 pair_volunteer, nc):
    nv, n_edges = len(vol_cap), len(edge_child)
    if len(pair_child) and (min(pair_child.min(), pair_volunteer.min()) < 0
                            or pair_child.max() >= nc or pair_volunteer.max() >= nv):
        return ck.NOT_CANDIDATE, None
    keys = edge_child.astype(np.int64) * nv + edge_volunteer
    at = np.searchsorted(keys, pair_child * nv + pair_volunteer)
    if not (at < n_edges).all() or not (keys[at] == pair_child * nv + pair_volunteer).all():
        return ck.NOT_CANDIDATE, None
    if (np.bincount(pair_child, minlength=nc) > 1).any():
        return ck.PAIRED_TWICE, None
    load = np.bincount(pair_volunteer, minlength=nv)
    if (load > vol_cap).any():
        return ck.OVER_CAPACITY, None
    is_used = np.zeros(n_edges, dtype=bool)
    is_used[at] = True
    for k in range(len(TIERS)):
        if _augmenting_path(edge_child, edge_volunteer, tiers, vol_cap, pair_child,
                            pair_volunteer, is_used, k, nc):
            return ck.FEWER_CHILDREN, k
    if not _min_cost(edge_child, edge_volunteer, cost, tiers, vol_cap, pair_child, load,
                     is_used, nc):
        return ck.LOWER_QUALITY, None
    return ck.OK, None


def _augmenting_path(edge_child, edge_volunteer, tiers, vol_cap, pair_child, pair_volunteer,
                     is_used, k, nc) -> bool:
    """Whether the pairs of children of tiers <= k can be augmented (breadth-first search
    over children, volunteers and a source node linked to the unpaired children)."""
    from scipy.sparse import coo_matrix  # the NumPy path only: SciPy is slow to import
    from scipy.sparse.csgraph import breadth_first_order

    nv = len(vol_cap)
    source = nc + nv
    in_prefix = tiers[edge_child] <= k
    free, taken = in_prefix & ~is_used, in_prefix & is_used
    unpaired = np.ones(nc, dtype=bool)
    unpaired[pair_child] = False
    starts = np.flatnonzero(unpaired & (tiers <= k))
    tails = np.concatenate((edge_child[free], nc + edge_volunteer[taken],
                            np.full(len(starts), source)))
    heads = np.concatenate((nc + edge_volunteer[free], edge_child[taken], starts))
    graph = coo_matrix((np.ones(len(tails), dtype=np.int8), (tails, heads)),
                       shape=(source + 1, source + 1)).tocsr()
    reached = breadth_first_order(graph, source, directed=True, return_predecessors=False)
    vols = reached[(reached >= nc) & (reached < source)] - nc
    load = np.bincount(pair_volunteer[tiers[pair_child] <= k], minlength=nv)
    return bool((load[vols] < vol_cap[vols]).any())


def _min_cost(edge_child, edge_volunteer, cost, tiers, vol_cap, pair_child, load, is_used,
              nc) -> bool:
    """Whether the residual graph has potentials with no negative reduced cost.

    Bellman-Ford in rounds, each relaxing every arc at once from the previous round's
    distances, from a root joined to every node: after round r a distance is the
    shortest over walks of at most r arcs, so without a negative cycle nothing changes
    after as many rounds as there are nodes, and a change then proves a cycle.
    Unpaired children are folded into their tier node, as in ``certificate_kernels``.
    """
    nv, n_tiers = len(vol_cap), len(TIERS)
    tier0, sink = nc + nv, nc + nv + n_tiers
    paired = np.zeros(nc, dtype=bool)
    paired[pair_child] = True
    w = -cost.astype(np.int64)
    # Tier node -> volunteer: the cheapest pair of the tier's unpaired children.
    alone = ~paired[edge_child]
    fold = np.full(n_tiers * nv, np.iinfo(np.int64).max)
    np.minimum.at(fold, tiers[edge_child[alone]] * nv + edge_volunteer[alone], w[alone])
    folded = np.flatnonzero(fold < np.iinfo(np.int64).max)
    free = paired[edge_child] & ~is_used
    kids, vols = np.flatnonzero(paired), np.arange(nv)
    arcs = [  # (tails, heads, costs) of the residual arcs
        (edge_child[free], nc + edge_volunteer[free], w[free]),
        (nc + edge_volunteer[is_used], edge_child[is_used], -w[is_used]),
        (tier0 + folded // nv, nc + folded % nv, fold[folded]),
        (kids, tier0 + tiers[kids], 0),
        (nc + vols[load < vol_cap], sink, 0),
        (sink, nc + vols[load > 0], 0),
    ]
    arcs = [np.broadcast_arrays(*(np.asarray(x, dtype=np.int64) for x in a)) for a in arcs]
    tails, heads, costs = (np.concatenate([a[i] for a in arcs]) for i in range(3))
    dist = np.zeros(sink + 1, dtype=np.int64)
    for _ in range(sink + 2):
        nearer = dist.copy()
        np.minimum.at(nearer, heads, dist[tails] + costs)
        if np.array_equal(nearer, dist):
            break
        dist = nearer
    else:
        return False  # still improving after as many rounds as nodes: a negative cycle
    dist[:nc][~paired] = dist[tier0 + tiers[~paired]]
    # Every residual arc, the pairs of unpaired children included.
    pot_child = dist[edge_child]
    pot_vol = dist[nc + edge_volunteer]
    if (np.where(is_used, -w + pot_vol - pot_child, w + pot_child - pot_vol) < 0).any():
        return False
    child_arc = dist[:nc] - dist[tier0 + tiers]
    return bool((np.where(paired, child_arc, -child_arc) >= 0).all()
                and (dist[nc:tier0][load < vol_cap] >= dist[sink]).all()
                and (dist[nc:tier0][load > 0] <= dist[sink]).all())
