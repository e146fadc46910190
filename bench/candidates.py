"""The candidate phase of a run on 1 and on 2 threads (``MATCH_THREADS``): a synthetic
province built in-process like ``bench.certificate`` builds it, each thread count in a
process of its own so its peak memory is its own; checks that the pairs are the same.

    python -m bench.candidates [region_code] [children] [volunteers] [threads ...]
    # default 510000 (Sichuan) 300000 30000 1 2

Per thread count: the seconds of ``build_candidates`` and of ``split_components`` (the
run's "candidates" phase is both), the resident peak of the process and its rise during
the phase (``/proc/self/clear_refs``, Linux only), and a digest of the pairs.
"""

import hashlib
import json
import os
import resource
import subprocess
import sys
import time

from bench.certificate import _peak_reset, people
from core.memory import status_kib


def measure(region_code: str, n_children: int, n_volunteers: int, threads: int) -> dict:
    from services.matching.engine import build_candidates, split_components, warm_up

    warm_up()
    children, volunteers = people(region_code, n_children, n_volunteers)
    before = _peak_reset()
    started = time.perf_counter()
    cands = build_candidates(children, volunteers, threads=threads)
    built = time.perf_counter() - started
    digest = hashlib.sha256()
    for column in (cands.child, cands.volunteer, cands.cost, cands.child_reasons):
        digest.update(column.tobytes())
    started = time.perf_counter()
    components = split_components(cands, release=True)
    split = time.perf_counter() - started
    return {"threads": threads, "pairs": len(cands), "components": len(components),
            "build_candidates_s": round(built, 2), "split_components_s": round(split, 2),
            "candidates_s": round(built + split, 2),
            "phase_peak_rise_mib": round((status_kib("VmHWM") - before) / 1024),
            "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "pairs_sha256": digest.hexdigest()[:16],
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] == "--one":
        print(json.dumps(measure(args[1], int(args[2]), int(args[3]), int(args[4]))))
        return
    region, n_children, n_volunteers = (args + ["510000", "300000", "30000"][len(args):])[:3]
    results = []
    for threads in [int(t) for t in args[3:]] or [1, 2]:
        line = subprocess.run(
            [sys.executable, "-m", "bench.candidates", "--one", region, n_children,
             n_volunteers, str(threads)], check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]
        results.append(json.loads(line))
        print(line, flush=True)
    print(json.dumps({"same_pairs": len({r["pairs_sha256"] for r in results}) == 1}))


if __name__ == "__main__":
    main()
