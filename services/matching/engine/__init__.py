"""Pairing of children with caring parents: pure Python, no app or database access.

Typical use::

    result = match(children, volunteers, rejected={(child_id, volunteer_id)})

Large runs may instead call ``build_candidates`` and ``split_components`` and
solve each ``Component`` (``to_dict``/``from_dict`` for transport) elsewhere.
"""

from . import certificate, kernels
from .candidates import (
    AT_CAPACITY,
    NO_NEED_MATCH,
    NO_VOLUNTEER_IN_REACH,
    PREFERENCE_MISMATCH,
    REJECTED_BEFORE,
    UNPAIRED_REASONS,
    Candidates,
    TooManyCandidates,
    build_candidates,
    pairs_within,
    unpaired_reasons,
)
from .engine import (
    Certification,
    MatchResult,
    ProgressCallback,
    match,
    solve,
    warm_up,
    warm_up_beside,
)
from .geo import EARTH_RADIUS_KM, chord_radius, haversine_km, haversine_km_array, unit_vectors
from .records import PRIORITIES, TIERS, ChildIn, Proposal, VolunteerIn, tier_of
from .solver import (
    Component,
    MatchingSolverError,
    NotProvenOptimal,
    solve_component,
    split_components,
)

__all__ = [
    "AT_CAPACITY",
    "EARTH_RADIUS_KM",
    "NO_NEED_MATCH",
    "NO_VOLUNTEER_IN_REACH",
    "PREFERENCE_MISMATCH",
    "PRIORITIES",
    "REJECTED_BEFORE",
    "TIERS",
    "UNPAIRED_REASONS",
    "Candidates",
    "Certification",
    "ChildIn",
    "Component",
    "MatchResult",
    "MatchingSolverError",
    "NotProvenOptimal",
    "ProgressCallback",
    "Proposal",
    "TooManyCandidates",
    "VolunteerIn",
    "build_candidates",
    "certificate",
    "chord_radius",
    "haversine_km",
    "haversine_km_array",
    "kernels",
    "match",
    "pairs_within",
    "solve",
    "solve_component",
    "split_components",
    "tier_of",
    "unit_vectors",
    "unpaired_reasons",
    "warm_up",
    "warm_up_beside",
]
