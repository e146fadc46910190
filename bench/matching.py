"""Benchmark: matching a province (100,000 children, 10,000 volunteers) and a county
(2,000 children, 500 volunteers) with ``flask match run``, in a child process so its
time and peak memory are its own.

    python -m bench.matching   # same as part of ``python -m bench``
"""

import time
from pathlib import Path

from bench.imports import _import
from bench.synthetic import counties_of, write_children, write_volunteers
from extensions import db
from services.regions import region_tree

COUNTY = "430121"  # 长沙县, kept apart from the province data


def prepare_county(app, admin_id: int, work: Path) -> dict:
    counties = counties_of(region_tree(db.session), COUNTY)
    children, volunteers = work / "county_children.csv", work / "county_volunteers.csv"
    write_children(children, counties, 2_000, seed=3, prefix="KC")
    write_volunteers(volunteers, counties, 500, seed=4, prefix="KV", phone_start=50_000)
    started = time.perf_counter()
    _import("children", children, admin_id)
    _import("volunteers", volunteers, admin_id, vetted=True)
    return {"county_data_import_s": round(time.perf_counter() - started, 1)}


def run_cli(region_code: str, label: str) -> dict:
    from bench.__main__ import run_cli as run_flask

    line, seconds = run_flask("match", "run", "--region", region_code)
    return {label: {**line, "wall_s_with_start_up": round(seconds, 2)}}


if __name__ == "__main__":
    from bench.__main__ import main

    main()
