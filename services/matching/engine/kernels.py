"""Compiled loops (numba) for the two steps NumPy cannot do without per-pair temporaries:
finding the pairs within reach, and the components of the candidate graph.

Every kernel has a NumPy/SciPy twin in ``candidates``/``solver`` that gives the same
arrays (tests check it), used when numba is missing or ``MATCH_COMPILED=0``.

Pair search.  Volunteers are bucketed on a grid of latitude × longitude cells (radians).
For a child at latitude phi, every point within angular distance theta lies within
|d lat| <= theta and |d lng| <= asin(sin theta / cos phi) (when cos phi > sin theta;
otherwise the whole longitude range is scanned), so scanning those cells at the largest
reach of the run misses no pair.  Each volunteer in them is tested with the cheap rules
first (latitude difference, shared needs, gender, age), then the straight-line (chord)
distance between unit vectors against the chord of the volunteer's limit, widened by a
relative 1e-9, and only then the haversine and the cost.  The compiled arcsin may differ
from NumPy's in the last bit (a relative 1e-15), which can change a result only for a
pair within 1e-9 of its limit or whose cost sits within 1e-6 of half a unit; such pairs
are flagged and decided again with NumPy's haversine (``candidates._Table.finish``), so
the pairs and costs are exactly the NumPy path's.

The kernel releases the GIL, so the children can be cut into contiguous ranges scanned by
several threads at once (``PairScan``, ``candidates._grid_search``, ``MATCH_THREADS``);
each range's pairs are in (child, volunteer) order and the ranges are joined in order.
"""

from __future__ import annotations

import os

import numpy as np

try:  # numba is pinned in requirements.txt; the NumPy path stays for environments without it
    from numba import njit
except ImportError:  # pragma: no cover - exercised only where numba is missing
    njit = None

_SLACK = 1e-9
EARTH_RADIUS_KM = 6371.0


def available() -> bool:
    """Whether the compiled kernels can be used (numba importable, not switched off)."""
    return njit is not None and os.environ.get("MATCH_COMPILED", "1") != "0"


def _jit(func):
    return func if njit is None else njit(cache=True, nogil=True)(func)


@_jit
def _popcount(mask):
    n = 0
    while mask:
        mask &= mask - 1
        n += 1
    return n


@_jit
def _scan(start, stop, c_phi, c_lmb, c_cos, c_xyz, c_needs, c_n_needs, c_gender, c_age,
          v_phi, v_lmb, v_cos, v_theta, v_xyz, v_chord2, v_maxd, v_cap, v_skills, v_gender,
          v_amin, v_amax, v_index, n_volunteers, rejected,
          cell_start, cell_theta, phi0, lmb0, cell, n_lat, n_lng, theta_max,
          eligible, out_child, out_vol, out_cost, out_check):
    """Pairs for children ``start``, ``start + 1``, ... (before ``stop``) until ``out_*``
    would overflow.

    Volunteer arrays are in grid order (``v_index`` gives the run's index).  Returns
    (next child, pairs written); a child's pairs are written whole, in volunteer order,
    so the output is in (child, volunteer) order.  A pair is written when its volunteer
    has a free place, or when ``out_check`` marks it for the exact NumPy test.
    """
    n_children = min(stop, c_phi.shape[0])
    capacity = out_child.shape[0]
    written = 0
    sin_theta = np.sin(theta_max)
    c = start
    while c < n_children:
        phi = c_phi[c]
        lat_lo = max(int(np.floor((phi - theta_max - phi0) / cell)), 0)
        lat_hi = min(int(np.floor((phi + theta_max - phi0) / cell)), n_lat - 1)
        cos_phi = np.cos(phi)
        if cos_phi > sin_theta:
            half = np.arcsin(sin_theta / cos_phi) * (1.0 + _SLACK) + 1e-12
            lng_lo = max(int(np.floor((c_lmb[c] - half - lmb0) / cell)), 0)
            lng_hi = min(int(np.floor((c_lmb[c] + half - lmb0) / cell)), n_lng - 1)
        else:
            lng_lo, lng_hi = 0, n_lng - 1
        if lat_lo > lat_hi or lng_lo > lng_hi:  # no volunteer's cell is near enough
            c += 1
            continue
        # Worst case for this child: every volunteer of the scanned cells.
        most = 0
        for la in range(lat_lo, lat_hi + 1):
            row = la * n_lng
            most += cell_start[row + lng_hi + 1] - cell_start[row + lng_lo]
        if written + most > capacity:
            if written == 0:
                return -most, 0  # the caller gives a larger buffer
            break
        first = written
        needs = c_needs[c]
        gender = c_gender[c]
        age = c_age[c]
        x, y, z = c_xyz[c, 0], c_xyz[c, 1], c_xyz[c, 2]
        key0 = np.int64(c) * n_volunteers
        for la in range(lat_lo, lat_hi + 1):
            # Any point of the row is at least this far (angle) from the child.
            band_lo = phi0 + la * cell
            gap = max(band_lo - phi, phi - (band_lo + cell), 0.0)
            row = la * n_lng
            for cell_no in range(row + lng_lo, row + lng_hi + 1):
                if gap > cell_theta[cell_no]:
                    continue
                for k in range(cell_start[cell_no], cell_start[cell_no + 1]):
                    if abs(v_phi[k] - phi) > v_theta[k]:
                        continue
                    shared = needs & v_skills[k]
                    if shared == 0:
                        continue
                    if v_gender[k] >= 0 and v_gender[k] != gender:
                        continue
                    if age < v_amin[k] or age > v_amax[k]:
                        continue
                    dx = x - v_xyz[k, 0]
                    dy = y - v_xyz[k, 1]
                    dz = z - v_xyz[k, 2]
                    if dx * dx + dy * dy + dz * dz > v_chord2[k]:
                        continue
                    s1 = np.sin((v_phi[k] - phi) * 0.5)
                    s2 = np.sin((v_lmb[k] - c_lmb[c]) * 0.5)
                    a = min(max(s1 * s1 + c_cos[c] * v_cos[k] * s2 * s2, 0.0), 1.0)
                    d = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))
                    limit = v_maxd[k]
                    if d > limit * (1.0 + _SLACK) + 1e-9:
                        continue
                    v = v_index[k]
                    if rejected.shape[0]:
                        at = np.searchsorted(rejected, key0 + v)
                        if at < rejected.shape[0] and rejected[at] == key0 + v:
                            continue
                    quality = 60.0 * _popcount(shared) / c_n_needs[c]
                    quality += 40.0 * (1.0 - d / limit)
                    units = quality * 1000.0
                    # Near the limit or half a unit, NumPy's haversine decides (see doc).
                    check = (abs(d - limit) <= limit * _SLACK + 1e-9
                             or abs(units - np.floor(units) - 0.5) < 1e-6)
                    if not check:
                        eligible[c] = True
                        if v_cap[k] <= 0:
                            continue
                    out_child[written] = c
                    out_vol[written] = v
                    out_cost[written] = np.int32(np.rint(units))
                    out_check[written] = check
                    written += 1
        if written - first > 1:
            # Volunteer order: the child's pairs (a few hundred at most) sorted by one
            # (volunteer, position) key each, then moved into place.
            n_new = written - first
            keys = np.empty(n_new, np.int64)
            for i in range(n_new):
                keys[i] = (np.int64(out_vol[first + i]) << 32) | i
            keys.sort()
            costs = out_cost[first:written].copy()
            checks = out_check[first:written].copy()
            for i in range(n_new):
                at = keys[i] & 0xFFFFFFFF
                out_vol[first + i] = np.int32(keys[i] >> 32)
                out_cost[first + i] = costs[at]
                out_check[first + i] = checks[at]
        c += 1
    return c, written


class Grid:
    """Volunteers bucketed by (latitude, longitude) cell, for ``near_pairs``."""

    def __init__(self, v_phi, v_lmb, v_maxd):
        self.theta_max = float(v_maxd.max()) / EARTH_RADIUS_KM if len(v_maxd) else 0.0
        self.phi0, self.lmb0 = float(v_phi.min()), float(v_lmb.min())
        span = max(float(v_phi.max()) - self.phi0, float(v_lmb.max()) - self.lmb0, 1e-9)
        # About a quarter of the largest reach, with at most ~4 M cells.
        self.cell = max(self.theta_max / 4.0, span / 2000.0, 1e-7)
        self.n_lat = int((float(v_phi.max()) - self.phi0) / self.cell) + 1
        self.n_lng = int((float(v_lmb.max()) - self.lmb0) / self.cell) + 1
        cell_of = (((v_phi - self.phi0) / self.cell).astype(np.int64) * self.n_lng
                   + ((v_lmb - self.lmb0) / self.cell).astype(np.int64))
        self.order = np.argsort(cell_of, kind="stable").astype(np.int32)
        counts = np.bincount(cell_of, minlength=self.n_lat * self.n_lng)
        self.cell_start = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=self.cell_start[1:])
        # The largest reach (angle, with slack) in each cell; -1 for an empty cell.
        self.v_theta = v_maxd / EARTH_RADIUS_KM * (1.0 + _SLACK) + 1e-12
        self.cell_theta = np.full(len(counts), -1.0)
        np.maximum.at(self.cell_theta, cell_of, self.v_theta)


def threads() -> int:
    """How many threads search a run's pairs (``MATCH_THREADS``; default: the CPUs this
    process may run on), at least one."""
    value = os.environ.get("MATCH_THREADS", "").strip()
    if value:
        return max(int(value), 1)
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


def buffers(size: int) -> tuple:
    """Output buffers of ``_scan`` for ``size`` pairs (13 bytes a pair)."""
    return (np.empty(size, np.int32), np.empty(size, np.int32), np.empty(size, np.int32),
            np.empty(size, np.bool_))


class PairScan:
    """The grid and the kernel's arguments of one run, built once and shared by the
    threads that scan ranges of its children (``_scan`` releases the GIL and only reads
    them; each range writes its own buffers and its own children's ``eligible``)."""

    def __init__(self, table):
        grid = Grid(table.v_phi, table.v_lmb, table.v_maxd)
        o = grid.order
        # The chord between unit vectors grows with the distance along the surface; the
        # limit's chord (geo.chord_radius, already with an absolute slack) is widened a
        # little.
        chord2 = (table.v_chord * (1.0 + _SLACK)) ** 2
        children = (table.c_phi, table.c_lmb, table.c_cos, np.ascontiguousarray(table.c_xyz),
                    table.c_needs, np.bitwise_count(table.c_needs).astype(np.int64),
                    table.c_gender, table.c_age)
        volunteers = (table.v_phi[o], table.v_lmb[o], table.v_cos[o], grid.v_theta[o],
                      np.ascontiguousarray(table.v_xyz[o]), chord2[o], table.v_maxd[o],
                      table.v_cap[o], table.v_skills[o], table.v_gender[o],
                      table.v_age_min[o], table.v_age_max[o], o, table.nv,
                      table.rejected_keys)
        self.n_children = len(table.c_phi)
        self.args = (*children, *volunteers, grid.cell_start, grid.cell_theta, grid.phi0,
                     grid.lmb0, grid.cell, grid.n_lat, grid.n_lng, grid.theta_max)

    def blocks(self, eligible: np.ndarray, start: int = 0, stop: int | None = None,
               block: int = 1 << 21, copy: bool = True, out: tuple | None = None):
        """``near_pairs`` for children ``start`` to ``stop`` (excluded); with ``copy``
        False, views of the buffers the next block overwrites (``out``, from
        ``buffers``, if given)."""
        stop = self.n_children if stop is None else min(stop, self.n_children)
        out = buffers(block) if out is None else out
        while start < stop:
            nxt, n = _scan(start, stop, *self.args, eligible, *out)
            if nxt < 0:  # one child sees more volunteers than the buffer holds
                out = buffers(-nxt)
                continue
            yield tuple(column[:n].copy() if copy else column[:n] for column in out)
            start = nxt


def near_pairs(table, eligible: np.ndarray, block: int = 1 << 21):
    """Feasible pairs as (child, volunteer, cost, check) arrays in (child, volunteer)
    order, block by block; marks ``eligible`` the children with a pair that passes every
    rule but capacity.  Pairs with ``check`` set sit within 1e-9 of their distance limit
    or of half a cost unit: the caller decides them with NumPy (``_Table.finish``), the
    others are decided here, the same way as NumPy would (see module doc).  ``PairScan``
    does the same for a range of children."""
    yield from PairScan(table).blocks(eligible, block=block)


@_jit
def _find(parent, x):
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:
        parent[x], x = root, parent[x]
    return root


@_jit
def _split(child, volunteer, cost, n_children, n_volunteers):
    """The components of the candidate graph and their pairs, in one pass over the pairs
    after the union-find (pairs in (child, volunteer) order).

    Components are numbered by their smallest child, like SciPy's
    ``connected_components`` over children first.  Returns the number of components,
    each child's and volunteer's component (-1: no pair) and position within it, where
    each component's pairs start, and the pairs grouped by component (their order kept
    within one) as component positions of child and volunteer, with their cost."""
    parent = np.arange(n_volunteers)
    n = child.shape[0]
    root = 0
    for i in range(n):
        # Each child's volunteers joined to the root of its first one.
        b = _find(parent, volunteer[i])
        if i == 0 or child[i] != child[i - 1]:
            root = b
        elif b < root:
            parent[root] = b
            root = b
        elif b > root:
            parent[b] = root
    root_label = np.full(n_volunteers, -1, dtype=np.int64)
    child_label = np.full(n_children, -1, dtype=np.int64)
    child_pairs = np.zeros(n_children, dtype=np.int64)
    has_pair = np.zeros(n_volunteers, dtype=np.bool_)
    labels = 0
    for i in range(n):
        has_pair[volunteer[i]] = True
        c = child[i]
        child_pairs[c] += 1
        if i == 0 or c != child[i - 1]:
            r = _find(parent, volunteer[i])
            if root_label[r] < 0:
                root_label[r] = labels
                labels += 1
            child_label[c] = root_label[r]
    vol_label = np.full(n_volunteers, -1, dtype=np.int64)
    for v in range(n_volunteers):
        if has_pair[v]:
            vol_label[v] = root_label[_find(parent, v)]
    # Positions within the component, in index order; pairs per component.
    seen = np.zeros(labels, dtype=np.int64)
    child_local = np.full(n_children, -1, dtype=np.int32)
    starts = np.zeros(labels + 1, dtype=np.int64)
    for c in range(n_children):
        if child_label[c] >= 0:
            child_local[c] = seen[child_label[c]]
            seen[child_label[c]] += 1
            starts[child_label[c] + 1] += child_pairs[c]
    seen[:] = 0
    vol_local = np.full(n_volunteers, -1, dtype=np.int32)
    for v in range(n_volunteers):
        if vol_label[v] >= 0:
            vol_local[v] = seen[vol_label[v]]
            seen[vol_label[v]] += 1
    for k in range(labels):
        starts[k + 1] += starts[k]
    fill = starts[:-1].copy()
    out_child = np.empty(n, dtype=np.int32)
    out_volunteer = np.empty(n, dtype=np.int32)
    out_cost = np.empty(n, dtype=np.int32)
    for i in range(n):
        at = fill[child_label[child[i]]]
        fill[child_label[child[i]]] = at + 1
        out_child[at] = child_local[child[i]]
        out_volunteer[at] = vol_local[volunteer[i]]
        out_cost[at] = cost[i]
    return (labels, child_label, vol_label, child_local, vol_local, starts, out_child,
            out_volunteer, out_cost)


def split(child, volunteer, cost, n_children, n_volunteers):
    """See ``_split``; pairs must be in (child, volunteer) order."""
    return _split(child, volunteer, cost, n_children, n_volunteers)


@_jit
def _counts(values, n):
    """How often each of 0 .. n - 1 occurs in ``values`` (``np.bincount``, without
    first widening a large int32 array)."""
    out = np.zeros(n, dtype=np.int64)
    for x in values:
        out[x] += 1
    return out


def counts(values, n):
    """See ``_counts``."""
    return np.bincount(values, minlength=n) if njit is None else _counts(values, n)
