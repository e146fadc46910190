"""A proposal's distance as it is known.

Both people with a precise location: the great-circle distance in km. Either one placed
only by their county's centre: the distance is an estimate, and two people in the same
county are "in the same county (estimated from the county centre)", never "0.0 km".
"""


def distance_as_known(child, volunteer, distance_km: float) -> tuple[str, float | None]:
    """("exact", km), ("estimated", km) or ("same_county", None)."""
    precise = all(getattr(person, "latitude", None) is not None
                  and getattr(person, "longitude", None) is not None
                  for person in (child, volunteer))
    if precise:
        return "exact", distance_km
    if child.region_code == volunteer.region_code:
        return "same_county", None
    return "estimated", distance_km
