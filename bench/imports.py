"""Benchmark: a 100,000-row children ledger and a 10,000-row volunteers ledger."""

import time
from pathlib import Path

from bench.synthetic import counties_of, write_children, write_volunteers
from extensions import db
from models import User
from services import imports
from services.regions import region_tree

PROVINCE = "450000"  # Guangxi


def _import(kind: str, path: Path, actor_id: int, **options) -> tuple[float, object]:
    started = time.perf_counter()
    ledger = imports.read_ledger(path.read_bytes(), kind)
    actor = db.session.get(User, actor_id)
    run = imports.import_children if kind == "children" else imports.import_volunteers
    job = run(db.session, actor, ledger, region_tree(db.session), **options)
    db.session.commit()
    return time.perf_counter() - started, job


def import_in_parts(kind: str, path: Path, actor_id: int, rows_per_file: int,
                    **options) -> None:
    """Import a ledger too long for one file as a clerk is told to: split into files of
    at most ``rows_per_file`` rows (the header repeated in each), imported in turn."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    for start in range(0, len(body), rows_per_file):
        part = path.with_name(f"{path.stem}-{start // rows_per_file + 1}{path.suffix}")
        part.write_text(header + "".join(body[start:start + rows_per_file]), encoding="utf-8")
        _import(kind, part, actor_id, **options)


def run(app, admin_id: int, work: Path) -> dict:
    counties = counties_of(region_tree(db.session), PROVINCE)
    children, volunteers = work / "children.csv", work / "volunteers.csv"
    write_children(children, counties, 100_000)
    write_volunteers(volunteers, counties, 10_000)
    first, job = _import("children", children, admin_id)
    again, job2 = _import("children", children, admin_id)
    vols, job3 = _import("volunteers", volunteers, admin_id, vetted=True)
    return {
        "children_100k_first_import_s": round(first, 1), "created": job.created,
        "children_100k_reimport_s": round(again, 1), "updated": job2.updated,
        "volunteers_10k_vetted_import_s": round(vols, 1), "volunteers": job3.created,
    }
