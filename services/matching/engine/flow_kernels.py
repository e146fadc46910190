"""Compiled tier-by-tier maximum pairing (numba): the counts and kept pairs of
``solver._lexicographic_plan`` without building a flow network per tier.

Pairs are read as a component holds them, in (child, volunteer) order, so a child's
pairs are one slice (``child_start``, from ``certificate_kernels.child_starts``).  A
volunteer's places are slots (``slot_start``), each empty (-1) or holding the child
paired there.

Why tier by tier, from the previous pairing, is exact.  The sets of children that can
be paired together form a matroid, so a maximum pairing of tiers < k, extended by
augmenting paths, is a maximum pairing of tiers <= k: an augmenting path never unpairs a
child, and no unpaired child of a tier < k can have one (pairing it too would pair more
children of tiers < k than their maximum).  Hence only the unpaired tier-k children
start searches, and when no search from them reaches a free place the pairing is
maximum for tiers <= k (Berge).  Searches go in Hopcroft-Karp phases: a breadth-first
layering from every unpaired tier-k child, then depth-first searches along the layers,
each child tried at most once a phase; a phase whose layering reaches no free place
ends the tier.

The pairs offered to tier k are those of ``open_[k]``: volunteers that have a free place
in some maximum pairing of tiers < k (over the pairs kept so far).  That set is the same
for every maximum pairing (the volunteers that reach a free place in its residual
graph), so it equals the set the flow-network path computes from another maximum flow.
"""

from __future__ import annotations

import numpy as np

from .kernels import _jit

_UNSEEN = np.iinfo(np.int32).max


@_jit
def _layers(roots, child_start, edge_volunteer, child_tiers, open_, reach, mate,
            slot_start, slot_child, load, vol_cap, dist, queue):
    """Breadth-first layers from the unpaired ``roots`` through the volunteers that can
    ``reach`` a free place (no augmenting path passes any other): ``dist`` of every
    child met before the first layer that reaches a free place; returns that layer (or
    _UNSEEN)."""
    dist[:] = _UNSEEN
    tail = 0
    for c in roots:
        if mate[c] < 0:
            dist[c] = 0
            queue[tail] = c
            tail += 1
    limit = _UNSEEN
    head = 0
    while head < tail:
        c = queue[head]
        head += 1
        d = dist[c]
        if d >= limit:
            break
        allowed = open_[child_tiers[c]]
        for e in range(child_start[c], child_start[c + 1]):
            v = edge_volunteer[e]
            if e == mate[c] or not allowed[v] or not reach[v]:
                continue
            if load[v] < vol_cap[v]:
                limit = d + 1
            elif limit == _UNSEEN:
                for s in range(slot_start[v], slot_start[v + 1]):
                    c2 = slot_child[s]
                    if dist[c2] == _UNSEEN:
                        dist[c2] = d + 1
                        queue[tail] = c2
                        tail += 1
    return limit


@_jit
def _shift(stack, top, child_start, edge_volunteer, mate, child_slot, slot_start,
           slot_child, load, next_edge, next_slot, dist):
    """Pair along the path on ``stack``: the last child takes a free place of the
    volunteer it reached, every other child the slot of the child after it."""
    c = stack[top - 1]
    v = edge_volunteer[next_edge[c]]
    slot = slot_start[v]
    while slot_child[slot] >= 0:
        slot += 1
    load[v] += 1
    for i in range(top - 1, -1, -1):
        c = stack[i]
        if i < top - 1:
            slot = slot_start[edge_volunteer[next_edge[c]]] + next_slot[c]
        slot_child[slot] = c
        child_slot[c] = slot
        mate[c] = next_edge[c]
        dist[c] = _UNSEEN  # on a path already this phase


@_jit
def _augment(root, child_start, edge_volunteer, child_tiers, open_, reach, mate,
             child_slot, slot_start, slot_child, load, vol_cap, dist, next_edge, next_slot,
             stack):
    """Depth-first search along the layers from ``root``; pairs along the first path to
    a free place.  A child whose search fails is dropped for the rest of the phase."""
    stack[0] = root
    top = 1
    while top:
        c = stack[top - 1]
        allowed = open_[child_tiers[c]]
        deeper = False
        while next_edge[c] < child_start[c + 1]:
            e = next_edge[c]
            v = edge_volunteer[e]
            if e != mate[c] and allowed[v] and reach[v]:
                if load[v] < vol_cap[v]:
                    _shift(stack, top, child_start, edge_volunteer, mate, child_slot,
                           slot_start, slot_child, load, next_edge, next_slot, dist)
                    return True
                while next_slot[c] < slot_start[v + 1] - slot_start[v]:
                    c2 = slot_child[slot_start[v] + next_slot[c]]
                    if dist[c2] == dist[c] + 1:
                        stack[top] = c2
                        top += 1
                        deeper = True
                        break
                    next_slot[c] += 1
                if deeper:
                    break
            next_edge[c] += 1
            next_slot[c] = 0
        if not deeper:
            dist[c] = _UNSEEN
            top -= 1
            if top:
                next_slot[stack[top - 1]] += 1
    return False


@_jit
def _open_places(child_start, edge_volunteer, child_tiers, open_, mate, slot_start,
                 slot_child, load, vol_cap):
    """Volunteers with a free place in some maximum pairing: those reaching a free place
    in the residual graph (a paired child moving along another offered pair), found by
    a backward search from the free places."""
    nv = vol_cap.shape[0]
    n_moves = np.zeros(nv + 1, dtype=np.int64)  # per target volunteer, then offsets
    for c in range(child_start.shape[0] - 1):
        if mate[c] >= 0:
            allowed = open_[child_tiers[c]]
            for e in range(child_start[c], child_start[c + 1]):
                if e != mate[c] and allowed[edge_volunteer[e]]:
                    n_moves[edge_volunteer[e] + 1] += 1
    for v in range(nv):
        n_moves[v + 1] += n_moves[v]
    fill = n_moves[:-1].copy()
    came_from = np.empty(n_moves[nv], dtype=np.int32)
    for c in range(child_start.shape[0] - 1):
        if mate[c] >= 0:
            allowed = open_[child_tiers[c]]
            owner = edge_volunteer[mate[c]]
            for e in range(child_start[c], child_start[c + 1]):
                w = edge_volunteer[e]
                if e != mate[c] and allowed[w]:
                    came_from[fill[w]] = owner
                    fill[w] += 1
    reached = load < vol_cap
    stack = np.empty(nv, dtype=np.int64)
    top = 0
    for v in range(nv):
        if reached[v]:
            stack[top] = v
            top += 1
    while top:
        top -= 1
        w = stack[top]
        for i in range(n_moves[w], n_moves[w + 1]):
            u = came_from[i]
            if not reached[u]:
                reached[u] = True
                stack[top] = u
                top += 1
    return reached


@_jit
def tier_plan(child_start, edge_volunteer, child_tiers, vol_cap, n_tiers):
    """(children paired per tier, ``open_`` per tier and volunteer, each child's pair in
    the final pairing or -1): a maximum pairing built tier by tier (see the module)."""
    nc, nv = child_start.shape[0] - 1, vol_cap.shape[0]
    slot_start = np.zeros(nv + 1, dtype=np.int64)
    for v in range(nv):
        slot_start[v + 1] = slot_start[v] + vol_cap[v]
    slot_child = np.full(slot_start[nv], -1, dtype=np.int64)
    load = np.zeros(nv, dtype=np.int64)
    mate = np.full(nc, -1, dtype=np.int64)
    child_slot = np.full(nc, -1, dtype=np.int64)
    open_ = np.zeros((n_tiers, nv), dtype=np.bool_)
    open_[0, :] = True
    counts = np.zeros(n_tiers, dtype=np.int64)
    dist = np.empty(nc, dtype=np.int32)
    queue = np.empty(nc, dtype=np.int64)
    stack = np.empty(nc + 1, dtype=np.int64)
    next_edge = np.empty(nc, dtype=np.int64)
    next_slot = np.zeros(nc, dtype=np.int64)
    reach = vol_cap > 0
    for t in range(n_tiers):
        roots = np.flatnonzero(child_tiers == t)
        phase = 0
        while roots.shape[0]:  # an empty tier leaves the pairing, and ``reach``, as it is
            # Searches are confined to the volunteers that can reach a free place; that
            # set only shrinks as children are paired (a volunteer reaching a free place
            # after a path was flipped reached one of the path's volunteers, which all
            # reached the free place at its end before).  A tier's first phase starts
            # from the pairing the set was last worked out for.
            if phase:
                reach = _open_places(child_start, edge_volunteer, child_tiers, open_, mate,
                                     slot_start, slot_child, load, vol_cap)
            phase += 1
            if _layers(roots, child_start, edge_volunteer, child_tiers, open_, reach, mate,
                       slot_start, slot_child, load, vol_cap, dist, queue) == _UNSEEN:
                break
            for c in range(nc):
                next_edge[c] = child_start[c]
                next_slot[c] = 0
            for r in roots:
                if mate[r] < 0 and dist[r] == 0:
                    if _augment(r, child_start, edge_volunteer, child_tiers, open_, reach,
                                mate, child_slot, slot_start, slot_child, load, vol_cap,
                                dist, next_edge, next_slot, stack):
                        counts[t] += 1
        if t + 1 < n_tiers:
            open_[t + 1] = reach  # no path is left, so the pairing is as it was computed
    return counts, open_, mate


@_jit
def n_kept(child_start, edge_volunteer, child_tiers, open_):
    """How many pairs are offered to their child's tier."""
    n = 0
    for c in range(child_start.shape[0] - 1):
        allowed = open_[child_tiers[c]]
        for e in range(child_start[c], child_start[c + 1]):
            if allowed[edge_volunteer[e]]:
                n += 1
    return n


@_jit
def kept_pairs(child_start, edge_volunteer, child_tiers, open_, n_tiers):
    """The pairs offered to their child's tier, tier by tier, each tier's in pair order
    (the order the flow-network path lists them in)."""
    kept = np.empty(n_kept(child_start, edge_volunteer, child_tiers, open_), dtype=np.int64)
    i = 0
    for t in range(n_tiers):
        allowed = open_[t]
        for c in range(child_start.shape[0] - 1):
            if child_tiers[c] == t:
                for e in range(child_start[c], child_start[c + 1]):
                    if allowed[edge_volunteer[e]]:
                        kept[i] = e
                        i += 1
    return kept


@_jit
def in_child_order(edge_child):
    """Whether the pairs are grouped by child in increasing order (every run's are)."""
    for e in range(1, edge_child.shape[0]):
        if edge_child[e] < edge_child[e - 1]:
            return False
    return True


@_jit
def _sift_down(heap, size, i):
    """Restore a min-heap after ``heap[i]`` grew."""
    while True:
        low, left, right = i, 2 * i + 1, 2 * i + 2
        if left < size and heap[left] < heap[low]:
            low = left
        if right < size and heap[right] < heap[low]:
            low = right
        if low == i:
            return
        heap[i], heap[low] = heap[low], heap[i]
        i = low


@_jit
def best_pairs(child_start, edge_volunteer, cost, child_tiers, open_, per_child,
               per_volunteer):
    """Mark each child's ``per_child`` best offered pairs and each volunteer's
    ``per_volunteer`` best (by cost; equal costs in pair order): the pairs an optimal
    pairing mostly uses, where the priced cost stage starts."""
    nc, nv = child_start.shape[0] - 1, open_.shape[1]
    chosen = np.zeros(edge_volunteer.shape[0], dtype=np.bool_)
    # The volunteers' per_volunteer-th best cost, kept in a min-heap per volunteer.
    heap = np.full((nv, per_volunteer), -1, dtype=np.int64)
    size = np.zeros(nv, dtype=np.int64)
    mine = np.empty(per_child + 1, dtype=np.int64)  # the child's best costs, a min-heap
    for c in range(nc):
        allowed = open_[child_tiers[c]]
        n = 0
        for e in range(child_start[c], child_start[c + 1]):
            v = edge_volunteer[e]
            if not allowed[v]:
                continue
            w = np.int64(cost[e])
            if n < per_child:
                mine[n] = w
                n += 1
                if n == per_child:
                    for i in range(n // 2 - 1, -1, -1):
                        _sift_down(mine, n, i)
            elif w > mine[0]:
                mine[0] = w
                _sift_down(mine, n, 0)
            if size[v] < per_volunteer:
                heap[v, size[v]] = w
                size[v] += 1
                if size[v] == per_volunteer:
                    for i in range(per_volunteer // 2 - 1, -1, -1):
                        _sift_down(heap[v], per_volunteer, i)
            elif w > heap[v, 0]:
                heap[v, 0] = w
                _sift_down(heap[v], per_volunteer, 0)
        # Mark the child's pairs above its threshold, then those at it in pair order.
        floor = mine[0] if n == per_child else np.int64(-1)
        above = 0
        for e in range(child_start[c], child_start[c + 1]):
            if allowed[edge_volunteer[e]] and np.int64(cost[e]) > floor:
                chosen[e] = True
                above += 1
        for e in range(child_start[c], child_start[c + 1]):
            if above < per_child and allowed[edge_volunteer[e]] \
                    and np.int64(cost[e]) == floor:
                chosen[e] = True
                above += 1
    floor_v = np.full(nv, -1, dtype=np.int64)
    for v in range(nv):
        if size[v] == per_volunteer:
            floor_v[v] = heap[v, 0]
    at_floor = np.zeros(nv, dtype=np.int64)
    for v in range(nv):
        for i in range(size[v]):
            if heap[v, i] > floor_v[v]:
                at_floor[v] += 1  # places taken above the floor
    for c in range(nc):
        allowed = open_[child_tiers[c]]
        for e in range(child_start[c], child_start[c + 1]):
            v = edge_volunteer[e]
            if not allowed[v]:
                continue
            w = np.int64(cost[e])
            if w > floor_v[v]:
                chosen[e] = True
            elif w == floor_v[v] and at_floor[v] < per_volunteer:
                chosen[e] = True
                at_floor[v] += 1
    return chosen


@_jit
def underpriced(child_start, edge_volunteer, cost, child_tiers, open_, offered, dist,
                margin):
    """Offered pairs left out (``offered`` False) whose arc has a reduced cost below
    ``margin`` under the potentials ``dist`` (children, then volunteers), in pair order
    (counted in a first pass, listed in a second).  Below 0: the pairs that could still
    lower the cost."""
    nc = child_start.shape[0] - 1
    n = 0
    for listing in (False, True):
        found = np.empty(n if listing else 0, dtype=np.int64)
        n = 0
        for c in range(nc):
            allowed = open_[child_tiers[c]]
            for e in range(child_start[c], child_start[c + 1]):
                v = edge_volunteer[e]
                if allowed[v] and not offered[e] \
                        and -np.int64(cost[e]) + dist[c] - dist[nc + v] < margin:
                    if listing:
                        found[n] = e
                    n += 1
    return found
