"""Plain data passed into and out of the matching engine."""

from __future__ import annotations

from dataclasses import dataclass

PRIORITIES: tuple[str, ...] = ("urgent", "high", "normal")
"""Child priorities, most important first; a run optimises them in this order."""

TIERS: tuple[tuple[str, bool], ...] = tuple(
    (priority, repair) for priority in PRIORITIES for repair in (True, False)
)
"""The solver's tiers, most important first: (priority, re-pair needed).

A child waiting for a new caring parent because their pair ended through no fault of
theirs (the volunteer withdrew, was suspended or their check expired) is favoured
*within its priority*: urgent re-pair, urgent, high re-pair, high, normal re-pair,
normal. The sets of children that can be paired together form a matroid, so the
greedy-by-tier optimum pairs as many children of each priority as the three-tier order
does (a re-pair child never costs a more urgent child, nor a child of its own priority,
a place) and, among those pairings, as many re-pair children of each priority as
possible; quality still decides last.
"""


def tier_of(priority: str, repair: bool) -> int:
    """Index of a child's tier in :data:`TIERS`."""
    return 2 * PRIORITIES.index(priority) + (0 if repair else 1)


@dataclass(frozen=True, slots=True)
class ChildIn:
    """A child waiting for a caring parent (consent given, no active pair)."""

    id: int
    lat: float
    lng: float
    needs: frozenset[str]  # need codes, non-empty
    gender: str  # "M" or "F"
    age: int  # whole years on the run date
    priority: str  # one of PRIORITIES
    repair: bool = False  # a pair ended through no fault of the child's: favoured in its tier


@dataclass(frozen=True, slots=True)
class VolunteerIn:
    """A vetted volunteer and the preferences they registered."""

    id: int
    lat: float
    lng: float
    skills: frozenset[str]
    free_capacity: int  # capacity minus active pairs; 0 is kept so reasons can say "at capacity"
    max_distance_km: float  # > 0
    child_gender: str | None = None  # None = any
    age_min: int | None = None  # inclusive
    age_max: int | None = None  # inclusive


@dataclass(frozen=True, slots=True)
class Proposal:
    """One proposed pair together with the score breakdown shown to coordinators."""

    child_id: int
    volunteer_id: int
    distance_km: float
    quality: float  # need_score + distance_score, 0..100
    need_score: float  # 60 * |needs & skills| / |needs|
    distance_score: float  # 40 * (1 - distance_km / max_distance_km)
    matched_needs: tuple[str, ...]  # sorted
    priority: str
    repair: bool = False  # the child was waiting to be paired again
