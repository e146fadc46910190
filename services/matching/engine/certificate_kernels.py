"""Compiled loops (numba) of the optimality certificate (``certificate``), one pass or one
graph search each; ``certificate`` holds their NumPy/SciPy twins and the reasoning.

Every loop reads the component's pair arrays as they are (pairs in (child, volunteer)
order, so a child's pairs are one slice of them) and allocates only arrays per child or
per volunteer, never per pair.  Results are small integers: ``OK`` or the first failed
check, so both paths can be compared verdict for verdict.
"""

from __future__ import annotations

import numpy as np

from .kernels import _counts, _jit

OK = 0
NOT_CANDIDATE = 1
PAIRED_TWICE = 2
OVER_CAPACITY = 3
FEWER_CHILDREN = 4
LOWER_QUALITY = 5

_FAR = np.iinfo(np.int64).max // 4  # no arc


@_jit
def in_order(edge_child, edge_volunteer, n_children, n_volunteers):
    """Whether the pairs are in strict (child, volunteer) order with indices in range."""
    for e in range(edge_child.shape[0]):
        c, v = edge_child[e], edge_volunteer[e]
        if c < 0 or c >= n_children or v < 0 or v >= n_volunteers:
            return False
        if e and (c < edge_child[e - 1] or (c == edge_child[e - 1]
                                            and v <= edge_volunteer[e - 1])):
            return False
    return True


@_jit
def places(edge_volunteer, capacities):
    """Free capacity of each volunteer, at most their number of candidate pairs (what
    ``np.minimum(capacities, np.bincount(edge_volunteer))`` gives, without a copy of
    the pairs' volunteers as 8-byte integers)."""
    degree = np.zeros(capacities.shape[0], dtype=np.int64)
    for e in range(edge_volunteer.shape[0]):
        degree[edge_volunteer[e]] += 1
    for v in range(capacities.shape[0]):
        degree[v] = min(degree[v], capacities[v])
    return degree


@_jit
def _find_pair(edge_volunteer, lo, hi, v):
    """The pair of volunteer ``v`` among a child's pairs ``lo:hi`` (binary search), or -1."""
    end = hi
    while lo < hi:
        mid = (lo + hi) // 2
        if edge_volunteer[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo if lo < end and edge_volunteer[lo] == v else -1


@_jit
def child_starts(edge_child, n_children):
    """Offsets of each child's pairs (pairs in child order): child c's are
    ``child_start[c]:child_start[c + 1]``."""
    start = np.zeros(n_children + 1, dtype=np.int64)
    start[1:] = np.cumsum(_counts(edge_child, n_children))
    return start


@_jit
def feasible(edge_child, edge_volunteer, vol_cap, pair_child, pair_volunteer, nc):
    """Check 1.  Returns (verdict, child_start, used, load): where each child's pairs
    start, the pair each child is given (-1: none) and each volunteer's load."""
    nv = vol_cap.shape[0]
    child_start = child_starts(edge_child, nc)
    used = np.full(nc, -1, dtype=np.int64)
    load = np.zeros(nv, dtype=np.int64)
    for i in range(pair_child.shape[0]):
        c, v = pair_child[i], pair_volunteer[i]
        if c < 0 or c >= nc or v < 0 or v >= nv:
            return NOT_CANDIDATE, child_start, used, load
        if _find_pair(edge_volunteer, child_start[c], child_start[c + 1], v) < 0:
            return NOT_CANDIDATE, child_start, used, load
    for i in range(pair_child.shape[0]):
        c, v = pair_child[i], pair_volunteer[i]
        if used[c] >= 0:
            return PAIRED_TWICE, child_start, used, load
        used[c] = _find_pair(edge_volunteer, child_start[c], child_start[c + 1], v)
        load[v] += 1
    for v in range(nv):
        if load[v] > vol_cap[v]:
            return OVER_CAPACITY, child_start, used, load
    return OK, child_start, used, load


@_jit
def _children_by_volunteer(edge_volunteer, used, nv):
    """The paired children of each volunteer: (start per volunteer, children)."""
    start = np.zeros(nv + 1, dtype=np.int64)
    for c in range(used.shape[0]):
        if used[c] >= 0:
            start[edge_volunteer[used[c]] + 1] += 1
    for v in range(nv):
        start[v + 1] += start[v]
    fill = start[:-1].copy()
    kids = np.empty(start[nv], dtype=np.int64)
    for c in range(used.shape[0]):
        if used[c] >= 0:
            v = edge_volunteer[used[c]]
            kids[fill[v]] = c
            fill[v] += 1
    return start, kids


@_jit
def fewer_than_possible(edge_volunteer, child_start, child_tiers, vol_cap, used, n_tiers):
    """Check 2: the first tier k whose prefix (tiers <= k) has an augmenting path, or -1.

    One search serves every prefix: going from prefix k - 1 to k only adds sources (the
    unpaired tier-k children) and arcs (volunteer -> its tier-k child), so the set
    reached grows, and a volunteer full under prefix k - 1 stays full under k.  Hence a
    volunteer needs its free place tested only when it is first reached, against the
    load of the current prefix: every pair is scanned once over all six prefixes.
    """
    nc, nv = child_start.shape[0] - 1, vol_cap.shape[0]
    vol_start, kids = _children_by_volunteer(edge_volunteer, used, nv)
    reached = np.zeros(nc + nv, dtype=np.bool_)
    stack = np.empty(nc + nv, dtype=np.int64)
    load = np.zeros(nv, dtype=np.int64)
    for k in range(n_tiers):
        top = 0
        for c in range(nc):
            if child_tiers[c] != k:
                continue
            if used[c] >= 0:
                v = edge_volunteer[used[c]]
                load[v] += 1
                if reached[nc + v] and not reached[c]:
                    reached[c] = True
                    stack[top] = c
                    top += 1
            elif not reached[c]:
                reached[c] = True
                stack[top] = c
                top += 1
        while top:
            top -= 1
            x = stack[top]
            if x < nc:  # a child: to the volunteers of its unused pairs
                for e in range(child_start[x], child_start[x + 1]):
                    v = edge_volunteer[e]
                    if e == used[x] or reached[nc + v]:
                        continue
                    if load[v] < vol_cap[v]:
                        return k
                    reached[nc + v] = True
                    stack[top] = nc + v
                    top += 1
            else:  # a volunteer: back to the children it takes within the prefix
                v = x - nc
                for i in range(vol_start[v], vol_start[v + 1]):
                    c = kids[i]
                    if child_tiers[c] <= k and not reached[c]:
                        reached[c] = True
                        stack[top] = c
                        top += 1
    return -1


@_jit
def potentials(edge_volunteer, cost, child_start, child_tiers, vol_cap, used, load, n_tiers):
    """Shortest distances in the residual graph from a root joined to every node by a
    0-cost arc (label-correcting search with a FIFO queue): (False, _) on a negative cycle.

    Nodes: children ``0..nc``, volunteers ``nc..nc+nv``, tiers, then the sink.  An
    unpaired child is entered only from its tier node, so its distance is its tier's;
    such children are folded into their tier node, whose arcs to volunteers cost the
    cheapest of those children's pairs.  A distance carries the number of arcs of the
    walk it came from; labels only decrease, so a walk that repeats a node reached it
    the second time with a lower label, i.e. went round a negative cycle.  Hence a label
    from a walk of as many arcs as there are nodes proves a negative cycle, and without
    one no label ever gets there.
    """
    nc, nv = child_start.shape[0] - 1, vol_cap.shape[0]
    tier0, sink = nc + nv, nc + nv + n_tiers
    n = sink + 1
    vol_start, kids = _children_by_volunteer(edge_volunteer, used, nv)
    fold = np.full((n_tiers, nv), _FAR, dtype=np.int64)
    for c in range(nc):
        if used[c] < 0:
            t = child_tiers[c]
            for e in range(child_start[c], child_start[c + 1]):
                v = edge_volunteer[e]
                fold[t, v] = min(fold[t, v], -np.int64(cost[e]))
    dist = np.zeros(n, dtype=np.int64)
    arcs = np.zeros(n, dtype=np.int64)
    queued = np.zeros(n, dtype=np.bool_)
    queue = np.empty(n + 1, dtype=np.int64)
    head = tail = 0
    for x in range(n):
        if x >= nc or used[x] >= 0:
            queue[tail] = x
            tail += 1
            queued[x] = True
    while head != tail:
        u = queue[head]
        head = head + 1 if head < n else 0
        queued[u] = False
        du = dist[u]
        # Arcs out of u: (head node, cost), relaxed one by one below.
        if u < nc:
            first, last = child_start[u], child_start[u + 1]
            extra = 1  # the arc back to the child's tier
        elif u < tier0:
            first, last = vol_start[u - nc], vol_start[u - nc + 1]
            extra = 1 if load[u - nc] < vol_cap[u - nc] else 0  # the arc to the sink
        else:
            first, last, extra = 0, nv, 0
        for i in range(first - extra, last):
            if i < first:
                x, w = (tier0 + child_tiers[u], 0) if u < nc else (sink, 0)
            elif u < nc:
                if i == used[u]:
                    continue
                x, w = nc + edge_volunteer[i], -np.int64(cost[i])
            elif u < tier0:
                x, w = kids[i], np.int64(cost[used[kids[i]]])
            elif u < sink:
                w = fold[u - tier0, i]
                if w == _FAR:
                    continue
                x = nc + i
            else:
                if load[i] == 0:
                    continue
                x, w = nc + i, 0
            if du + w < dist[x]:
                dist[x] = du + w
                arcs[x] = arcs[u] + 1
                if arcs[x] >= n:
                    return False, dist
                if not queued[x]:
                    queued[x] = True
                    queue[tail] = x
                    tail = tail + 1 if tail < n else 0
    for c in range(nc):
        if used[c] < 0:
            dist[c] = dist[tier0 + child_tiers[c]]
    return True, dist


@_jit
def reduced_costs_hold(edge_child, edge_volunteer, cost, child_tiers, vol_cap, used, load,
                       dist, n_tiers):
    """Check 3, one pass: every residual arc has cost + dist[tail] - dist[head] >= 0."""
    nc, nv = used.shape[0], vol_cap.shape[0]
    tier0, sink = nc + nv, nc + nv + n_tiers
    for e in range(edge_child.shape[0]):
        c, v = edge_child[e], nc + edge_volunteer[e]
        if used[c] == e:  # volunteer -> child, cost -c
            if np.int64(cost[e]) + dist[v] - dist[c] < 0:
                return False
        elif -np.int64(cost[e]) + dist[c] - dist[v] < 0:  # child -> volunteer
            return False
    for c in range(nc):
        t = tier0 + child_tiers[c]
        if (dist[c] - dist[t] if used[c] >= 0 else dist[t] - dist[c]) < 0:
            return False
    for v in range(nv):
        if load[v] < vol_cap[v] and dist[nc + v] - dist[sink] < 0:
            return False
        if load[v] > 0 and dist[sink] - dist[nc + v] < 0:
            return False
    return True
