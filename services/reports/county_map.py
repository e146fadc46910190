"""The dashboard's map: which county boundaries to draw, and each county's colour class.

The area is what the user covers: the city when all their counties are in one city,
else the province (an administrator's area is the province with the most counties that
have records). Boundaries come from static/maps/<city code>.json (vendored, keyed by
county code); a province is all its cities' files.

Colour classes are fixed by the figures, so a county's colour can be checked against its
number: counts (waiting children, active pairs, vetted volunteers) fall in five classes,
0 and four equal steps of a round number (1, 2 or 5 × 10^k) up to the largest county;
follow-up compliance in four classes around the programme's 90 % target (< 50 %,
50–79 %, 80–89 %, ≥ 90 %), and a county with no active pair has none.
"""

from collections import Counter

from services.regions import RegionTree
from services.shared.taxonomy import N_

COUNT_COLOURS = ("#f1f3f5", "#c6dbef", "#6baed6", "#2171b5", "#08306b")
COMPLIANCE_BANDS = ((0, 49, "#dc3545"), (50, 79, "#fd7e14"), (80, 89, "#ffc107"),
                    (90, 100, "#198754"))
NO_VALUE_COLOUR = "#e9ecef"
#: Counties on the map that the user does not cover: drawn, but with no figure.
OUTSIDE_COLOUR = "#ffffff"
METRICS = {
    "waiting": (N_("Children waiting for a pair"), N_("children")),
    "pairs": (N_("Active pairs"), N_("pairs")),
    "volunteers": (N_("Vetted volunteers"), N_("volunteers")),
    "compliance": (N_("Follow-up compliance"), "%"),
}


def area(tree: RegionTree, covered: set[str] | None, with_records, cities_with_maps: set[str]
         ) -> dict | None:
    """{"level", "code", "cities"}: the city or province to draw; None without a map."""
    counties = covered if covered is not None else set(with_records)
    if not counties:
        counties = {c for c in tree.by_code if c.startswith("45")}
    cities = {tree.get(c).parent_code for c in counties if tree.get(c)}
    if len(cities) == 1 and next(iter(cities)) in cities_with_maps:
        city = next(iter(cities))
        return {"level": "city", "code": city, "cities": [city]}
    province = Counter(code[:2] for code in counties).most_common(1)[0][0] + "0000"
    files = sorted(c for c in cities_with_maps if c.startswith(province[:2]))
    return {"level": "province", "code": province, "cities": files} if files else None


def _step(largest: int) -> int:
    """The smallest round number (1, 2, 5 × 10^k) with four steps reaching ``largest``."""
    step = 1
    while step * 4 < largest:
        for factor in (2, 2.5, 2):
            step = int(step * factor)
            if step * 4 >= largest:
                break
    return step


def count_bands(largest: int) -> list[dict]:
    """Five classes: 0, then four steps; the last one open-ended."""
    step = _step(max(largest, 1))
    bands = [{"lo": 0, "hi": 0, "colour": COUNT_COLOURS[0]}]
    for k in range(4):
        bands.append({"lo": k * step + 1, "hi": None if k == 3 else (k + 1) * step,
                      "colour": COUNT_COLOURS[k + 1]})
    return bands


def band_of(value, bands: list[dict]) -> int | None:
    """The index of the class ``value`` falls in; None for no value."""
    if value is None:
        return None
    for index, band in enumerate(bands):
        if value >= band["lo"] and (band["hi"] is None or value <= band["hi"]):
            return index
    return len(bands) - 1


def layers(counties: dict) -> dict:
    """Per metric: its label, unit, classes, and each county's value and class."""
    values = {
        "waiting": {c: sum(f.waiting.values()) for c, f in counties.items()},
        "pairs": {c: f.active_pairs for c, f in counties.items()},
        "volunteers": {c: f.volunteers_vetted for c, f in counties.items()},
        "compliance": {c: round(100 * f.compliant_pairs / f.active_pairs)
                       if f.active_pairs else None for c, f in counties.items()},
    }
    result = {}
    for metric, by_county in values.items():
        if metric == "compliance":
            bands = [{"lo": lo, "hi": hi, "colour": colour}
                     for lo, hi, colour in COMPLIANCE_BANDS]
        else:
            bands = count_bands(max(by_county.values(), default=0))
        label, unit = METRICS[metric]
        result[metric] = {"label": label, "unit": unit, "bands": bands,
                          "values": by_county,
                          "classes": {c: band_of(v, bands) for c, v in by_county.items()}}
    return result
