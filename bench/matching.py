"""Benchmark: matching two provinces (Guangxi-like, 100,000 children × 10,000 volunteers;
Sichuan-like, 300,000 × 30,000) and a county (2,000 × 500) with ``flask match run``, in a
child process so its time and peak memory are its own.

    python -m bench matching   # just these; the whole set: python -m bench (make bench)

With ``BENCH_REUSE=1`` the matching benchmark keeps a database it built before (same
``BENCH_DATABASE_URL``) instead of rebuilding and importing it again.
"""

import time
from pathlib import Path

from bench.common import ROOT
from bench.common import run_cli as run_flask
from bench.imports import _import, import_in_parts
from bench.synthetic import counties_of, write_children, write_volunteers
from extensions import db
from models import MatchRun, Proposal
from services.matching import runs
from services.regions import region_tree

COUNTY = "430121"  # 长沙县, kept apart from the province data
SICHUAN = "510000"  # 183 counties in the shipped region table


def prepare_county(app, admin_id: int, work: Path) -> dict:
    counties = counties_of(region_tree(db.session), COUNTY)
    children, volunteers = work / "county_children.csv", work / "county_volunteers.csv"
    write_children(children, counties, 2_000, seed=3, prefix="KC")
    write_volunteers(volunteers, counties, 500, seed=4, prefix="KV", phone_start=50_000)
    started = time.perf_counter()
    _import("children", children, admin_id)
    _import("volunteers", volunteers, admin_id, vetted=True)
    return {"county_data_import_s": round(time.perf_counter() - started, 1)}


def prepare_sichuan(app, admin_id: int, work: Path) -> dict:
    """300,000 children and 30,000 volunteers over Sichuan, generated like Guangxi's."""
    counties = counties_of(region_tree(db.session), SICHUAN)
    children, volunteers = work / "sichuan_children.csv", work / "sichuan_volunteers.csv"
    write_children(children, counties, 300_000, seed=5, prefix="SC")
    write_volunteers(volunteers, counties, 30_000, seed=6, prefix="SV", phone_start=60_000)
    started = time.perf_counter()
    # Over IMPORT_MAX_ROWS for one file: in two files, as the upload page asks.
    import_in_parts("children", children, admin_id, app.config["IMPORT_MAX_ROWS"])
    _import("volunteers", volunteers, admin_id, vetted=True)
    return {"sichuan_counties": len(counties),
            "sichuan_data_import_s": round(time.perf_counter() - started, 1)}


def run_cli(region_code: str, label: str) -> dict:
    line, seconds = run_flask("match", "run", "--region", region_code)
    return {label: {**line, "wall_s_with_start_up": round(seconds, 2)}}


def run_on_workers(app, region_code: str, single_run_id: int, workers: int = 2) -> dict:
    """The same run split into parts over ``workers`` Celery worker processes (Redis
    broker); checks that the proposals equal those of the single-process run."""
    import os
    import subprocess
    import sys

    from sqlalchemy import select

    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    env = {**os.environ, "REDIS_URL": redis_url, "MATCH_PARTS": str(workers)}
    processes = [subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tasks.worker", "worker", "--pool=solo",
         "--loglevel=warning", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-n", f"bench{n}@%h"], cwd=ROOT, env=env) for n in range(workers)]
    try:
        from app import create_app

        sender = create_app({"REDIS_URL": redis_url})
        time.sleep(5)  # let the workers connect
        with app.app_context():
            run = runs.start_run(db.session, None, region_code)
            db.session.commit()
            run_id = run.id
        started = time.perf_counter()
        sender.extensions["celery"].send_task("matching.run", args=(run_id,))
        with app.app_context():
            while True:
                db.session.expire_all()
                run = db.session.get(MatchRun, run_id)
                if run.status in ("done", "failed"):
                    break
                time.sleep(0.2)
            wall = time.perf_counter() - started

            def pairs(of):
                return set(db.session.execute(select(Proposal.child_id, Proposal.volunteer_id)
                                              .where(Proposal.run_id == of)).tuples())

            same = pairs(run_id) == pairs(single_run_id)
            return {f"{region_code} on {workers} workers": {
                "status": run.status, "wall_s": round(wall, 2), "parts": run.stats.get("parts"),
                "components": run.stats.get("components"), "proposed": run.stats.get("proposed"),
                "same_proposals_as_one_process": same, "seconds": run.stats.get("seconds")}}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
