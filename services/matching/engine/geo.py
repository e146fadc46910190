"""Great-circle geometry used by the matching engine.

All distances are in kilometres on a sphere of radius ``EARTH_RADIUS_KM``.
The scalar and the vectorised haversine share one implementation so that a
distance computed for display is bit-for-bit the one the engine compares
against a volunteer's limit.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0

# Added to every chord radius so floating-point error in the unit vectors
# can never drop a pair that sits exactly on the distance limit; the exact
# haversine filter that follows removes anything the slack lets in.
CHORD_EPSILON = 1e-9


def haversine_from_radians(phi1, cos_phi1, lmb1, phi2, cos_phi2, lmb2) -> np.ndarray:
    """Haversine distance in km from latitudes/longitudes already in radians.

    The cosines of the latitudes are passed in so bulk callers can compute them
    once per point instead of once per pair.
    """
    a = np.sin((phi2 - phi1) * 0.5) ** 2 + cos_phi1 * cos_phi2 * np.sin((lmb2 - lmb1) * 0.5) ** 2
    # Clip guards against a marginally > 1 value for antipodal points.
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def haversine_km_array(lat1, lng1, lat2, lng2) -> np.ndarray:
    """Haversine distance in km between paired points (degrees, broadcastable)."""
    phi1 = np.radians(np.asarray(lat1, dtype=np.float64))
    phi2 = np.radians(np.asarray(lat2, dtype=np.float64))
    lmb1 = np.radians(np.asarray(lng1, dtype=np.float64))
    lmb2 = np.radians(np.asarray(lng2, dtype=np.float64))
    return haversine_from_radians(phi1, np.cos(phi1), lmb1, phi2, np.cos(phi2), lmb2)


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Haversine distance in km between two points given in degrees."""
    return float(haversine_km_array([lat1], [lng1], [lat2], [lng2])[0])


def unit_vectors(lat, lng) -> np.ndarray:
    """(n, 3) array of points on the unit sphere for latitudes/longitudes in degrees."""
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    lmb = np.radians(np.asarray(lng, dtype=np.float64))
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lmb), cos_phi * np.sin(lmb), np.sin(phi)))


def chord_radius(distance_km) -> np.ndarray:
    """Straight-line (chord) distance between unit vectors that are ``distance_km`` apart
    along the surface, i.e. ``2 sin(d / 2R)``, plus ``CHORD_EPSILON``.

    Distances of half the circumference or more map to the full diameter.
    """
    angle = np.minimum(np.asarray(distance_km, dtype=np.float64) / EARTH_RADIUS_KM, np.pi)
    return 2.0 * np.sin(angle * 0.5) + CHORD_EPSILON
