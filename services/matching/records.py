"""Plain data passed into and out of the matching engine."""

from __future__ import annotations

from dataclasses import dataclass

PRIORITIES: tuple[str, ...] = ("urgent", "high", "normal")
"""Child priorities, most important first; a run optimises them in this order."""


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
