"""What the optimality certificate costs: a synthetic province solved in-process, the
time of the solver and of the certificate per component, and the certificate's extra
peak memory.  No database: people are generated like ``bench.synthetic`` does.

    python -m bench.certificate [region_code] [children] [volunteers]
    # default 450000 (Guangxi) 100000 10000

Extra memory is the rise of the process's resident peak while certifying, measured by
resetting the peak (``/proc/self/clear_refs``) just before; Linux only.
"""

import json
import math
import os
import random
import resource
import sys
import time

from core.memory import status_kib
from services.matching.engine import (
    ChildIn,
    VolunteerIn,
    build_candidates,
    certificate,
    solver,
    split_components,
    warm_up,
)
from services.matching.engine.geo import EARTH_RADIUS_KM
from services.regions import RegionInfo, RegionTree, read_regions_csv
from services.shared.taxonomy import NEEDS

CODES = list(NEEDS)


def _point(rng, lat, lng, spread_km):
    return (lat + math.degrees(rng.gauss(0, spread_km) / EARTH_RADIUS_KM),
            lng + math.degrees(rng.gauss(0, spread_km)
                               / (EARTH_RADIUS_KM * math.cos(math.radians(lat)))))


def people(region_code: str, n_children: int, n_volunteers: int, seed: int = 1):
    """Children and volunteers spread over the region's counties as ``bench.synthetic``
    spreads them (12 km / 10 km around the county centre, 30 % of children at it)."""
    tree = RegionTree([RegionInfo(**row) for row in read_regions_csv()])
    counties = [tree.get(code) for code in sorted(tree.leaves_under([region_code]))]
    rng = random.Random(seed)
    weights = [rng.uniform(0.3, 1.7) for _ in counties]
    children = []
    for i, county in enumerate(rng.choices(counties, weights, k=n_children)):
        lat, lng = _point(rng, county.latitude, county.longitude, 12)
        if rng.random() >= 0.7:
            lat, lng = county.latitude, county.longitude
        children.append(ChildIn(
            i + 1, lat, lng, frozenset(rng.sample(CODES, rng.randint(1, 3))),
            rng.choice("MF"), 2026 - rng.randint(2009, 2022),
            rng.choices(["urgent", "high", "normal"], [1, 2, 7])[0]))
    volunteers = []
    for i, county in enumerate(rng.choices(counties, k=n_volunteers)):
        ages = sorted(rng.sample(range(4, 17), 2)) if rng.random() < 0.3 else [None, None]
        gender = rng.choices([None, "M", "F"], [8, 1, 1])[0]
        volunteers.append(VolunteerIn(
            10_000_000 + i, *_point(rng, county.latitude, county.longitude, 10),
            frozenset(rng.sample(CODES, rng.randint(2, 4))), rng.choice([1, 1, 2, 2, 3]),
            float(rng.randint(5, 50)), gender, ages[0], ages[1]))
    return children, volunteers


def _peak_reset() -> int:
    """Reset the resident peak to the current size; return that size (KiB)."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    return status_kib("VmRSS")


def measure(region_code: str = "450000", n_children: int = 100_000,
            n_volunteers: int = 10_000) -> dict:
    warm_up()
    children, volunteers = people(region_code, n_children, n_volunteers)
    started = time.perf_counter()
    cands = build_candidates(children, volunteers)
    components = split_components(cands, release=True)
    out = {"children": n_children, "volunteers": n_volunteers, "pairs": len(cands),
           "components": len(components),
           "candidates_s": round(time.perf_counter() - started, 2), "largest": None,
           "solve_s": 0.0, "certify_s": 0.0, "certify_extra_peak_mib": 0.0}
    for compiled in (True, False) if os.environ.get("BENCH_NUMPY") else (True,):
        for comp in components:
            started = time.perf_counter()
            tiny = len(comp.child_ids) == 1 or len(comp.volunteer_ids) == 1
            chosen = (solver._solve_tiny if tiny else solver._solve_flow)(comp)
            solved = time.perf_counter() - started
            before = _peak_reset()
            started = time.perf_counter()
            verdict = certificate.check(comp, comp.edge_child[chosen],
                                        comp.edge_volunteer[chosen], compiled=compiled)
            certified = time.perf_counter() - started
            extra = (status_kib("VmHWM") - before) / 1024
            assert verdict.failure is None, verdict
            key = "" if compiled else "numpy_"
            out[key + "solve_s"] = round(out.get(key + "solve_s", 0.0) + solved, 3)
            out[key + "certify_s"] = round(out.get(key + "certify_s", 0.0) + certified, 3)
            out[key + "certify_extra_peak_mib"] = max(
                out.get(key + "certify_extra_peak_mib", 0.0), round(extra, 1))
            if out["largest"] is None:
                out["largest"] = {"children": len(comp.child_ids),
                                  "volunteers": len(comp.volunteer_ids),
                                  "pairs": comp.n_edges, "proposed": len(chosen),
                                  "solve_s": round(solved, 3),
                                  "certify_s": round(certified, 3)}
    out["peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    out["load_average"] = os.getloadavg()
    return out


def main() -> None:
    args = sys.argv[1:]
    print(json.dumps(measure(args[0] if args else "450000",
                             *(int(a) for a in args[1:3])), ensure_ascii=False))


if __name__ == "__main__":
    main()
