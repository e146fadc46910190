"""Check: the proposals of this engine against an earlier one's (default: ``main``) on the
same run inputs, read from the benchmark database.

    python -m bench.compare_engines 450000 [git-ref]

The earlier engine (``services/matching/engine`` at ``git-ref``) is extracted into a
temporary directory and imported from there, so both run in this process on the same
children, volunteers and rejections.  Prints one JSON line: whether the pairs are the
same and, where they are not, whether the counts per tier and the total quality (at
0.001) are; exits 1 if even those differ.
"""

import importlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from pathlib import Path

from app import create_app
from bench.common import ROOT
from core.clock import today_local
from extensions import db
from models import MatchRun
from services.matching import engine
from services.matching.store import load_inputs


def _earlier_engine(ref: str):
    folder = Path(tempfile.mkdtemp(prefix="qianshou-engine-"))
    archive = subprocess.run(["git", "archive", ref, "services/matching/engine"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    package = folder / "earlier_matching_engine"
    (folder / "services" / "matching" / "engine").rename(package)
    sys.path.insert(0, str(folder))
    return importlib.import_module("earlier_matching_engine")


def _summary(result) -> dict:
    tiers = {}
    for p in result.proposals:
        key = f"{p.priority}{' re-pair' if p.repair else ''}"
        tiers[key] = tiers.get(key, 0) + 1
    return {"proposed": len(result.proposals), "by_tier": dict(sorted(tiers.items())),
            "quality_thousandths": sum(round(p.quality * 1000) for p in result.proposals)}


def compare(region_code: str, ref: str = "main") -> dict:
    app = create_app()
    with app.app_context():
        run = MatchRun(region_code=region_code, run_date=today_local(), stats={})
        inputs = load_inputs(db.session, run)
        db.session.rollback()
    earlier = _earlier_engine(ref)
    children = [earlier.ChildIn(*_fields(c)) for c in inputs.children]
    volunteers = [earlier.VolunteerIn(*_fields(v)) for v in inputs.volunteers]
    started, cpu = time.perf_counter(), time.process_time()
    before = earlier.match(children, volunteers, inputs.rejected)
    del children, volunteers
    before_s, before_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    after = engine.match(inputs.children, inputs.volunteers, inputs.rejected)
    after_s, after_cpu = time.perf_counter() - started, time.process_time() - cpu
    pairs = {(p.child_id, p.volunteer_id) for p in after.proposals}
    same_pairs = pairs == {(p.child_id, p.volunteer_id) for p in before.proposals}
    old, new = _summary(before), _summary(after)
    return {"region": region_code, "earlier": ref, "same_pairs": same_pairs,
            "same_counts_and_quality": old == new, "earlier_engine": old, "this_engine": new,
            "same_unpaired_reasons": before.unpaired == after.unpaired,
            # Where ties were broken otherwise, other children are left unpaired; a child's
            # reason does not depend on the pairing, so the reasons must agree wherever
            # both engines leave the child unpaired, and their counts must be the same.
            "unpaired_by_reason": {"earlier": _by_reason(before), "this": _by_reason(after)},
            "reasons_agree_where_both_unpaired": all(
                after.unpaired[c] == reason for c, reason in before.unpaired.items()
                if c in after.unpaired),
            "seconds": {"earlier": round(before_s, 2), "this": round(after_s, 2)},
            "cpu_seconds": {"earlier": round(before_cpu, 2), "this": round(after_cpu, 2)},
            "phases": {"earlier": before.stats["seconds"], "this": after.stats["seconds"]}}


def _by_reason(result) -> dict:
    return dict(sorted(Counter(result.unpaired.values()).items()))


def _fields(record) -> tuple:
    return tuple(getattr(record, name) for name in record.__slots__)


def main() -> None:
    region = sys.argv[1] if len(sys.argv) > 1 else "450000"
    ref = sys.argv[2] if len(sys.argv) > 2 else "main"
    os.environ.setdefault("DATABASE_URL", os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/qianshou_bench"))
    result = compare(region, ref)
    print(json.dumps(result, ensure_ascii=False))
    if not result["same_counts_and_quality"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
