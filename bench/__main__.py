"""Run the benchmarks against PostgreSQL and print the figures for the README.

    python -m bench            # all of them (or: make bench)
    python -m bench matching   # only matching: Guangxi, Sichuan and a county
    python -m bench sms        # only the SMS outbox on real workers (BENCH_SMS_MESSAGES)
    python -m bench ledger     # only the county's own Chinese .xlsx ledger, import and re-import
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/qianshou_bench (default)
    BENCH_REDIS_URL=redis://127.0.0.1:6379/14 (default; the two-worker matching run)
    BENCH_REUSE=1 (matching only: keep the database built by an earlier run)
    BENCH_BASELINE=main (matching only: the git ref whose engine Guangxi is checked against)

The benchmark database is dropped and rebuilt with the migrations each time.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from bench import compare_engines, county_ledger, dashboard, imports, matching, reminders, sms
from bench.common import ROOT, compile_bytecode, recreate_database, settle, use_bench_keys
from extensions import db
from services.access import accounts
from services.matching.engine import warm_up

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/qianshou_bench"


def _prepare(url: str):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("QIANSHOU_INSTANCE", tempfile.mkdtemp(prefix="qianshou-bench-"))
    use_bench_keys()
    recreate_database(url)

    from flask_migrate import upgrade

    from app import create_app

    app = create_app()
    with app.app_context():
        upgrade()
        admin = accounts.create_user(db.session, role="admin", name="bench", phone="13800000001",
                                     password="bench-password")
        db.session.commit()
        admin_id = admin.id
    return app, admin_id


def _ledger_apart(url: str) -> dict:
    """The county ledger benchmark in a process and database of its own: its peak memory
    is its own, and its 100,000 children do not join the province the runs below match."""
    parsed = make_url(url)
    ledger_url = str(parsed.set(database=parsed.database + "_ledger"))
    out = subprocess.run([sys.executable, "-m", "bench", "ledger"], cwd=ROOT, check=True,
                         env={**os.environ, "BENCH_DATABASE_URL": ledger_url},
                         capture_output=True, text=True)
    return json.loads(out.stdout)["county_ledger_xlsx"]


def _matching_runs(app, results: dict, workers: bool) -> None:
    settle(os.environ["DATABASE_URL"])
    # The bytecode and the kernels (numba's cache) compiled first, as the Docker image does.
    compile_bytecode()
    warm_up()
    results["matching"].update(matching.run_cli("450000", "province (Guangxi)"))
    if workers:
        province_run = results["matching"]["province (Guangxi)"]["run_id"]
        results["matching"].update(matching.run_on_workers(app, "450000", province_run))
    results["matching"].update(matching.run_cli(matching.COUNTY, "county (长沙县)"))


def main_matching(url: str) -> dict:
    """Guangxi, Sichuan and the county only (no workers, reminders or dashboard)."""
    results: dict = {"matching": {}}
    if os.environ.get("BENCH_REUSE") == "1":
        os.environ["DATABASE_URL"] = url
        use_bench_keys()
        from app import create_app

        app = create_app()
    else:
        app, admin_id = _prepare(url)
        work = Path(tempfile.mkdtemp(prefix="qianshou-bench-data-"))
        with app.app_context():
            results["import"] = imports.run(app, admin_id, work)
            results["matching"].update(matching.prepare_county(app, admin_id, work))
            results["matching"].update(matching.prepare_sichuan(app, admin_id, work))
    _matching_runs(app, results, workers=False)
    results["matching"].update(matching.run_cli(matching.SICHUAN, "province (Sichuan)"))
    # The same Guangxi inputs through the engine of ``main`` (BENCH_BASELINE, a git ref).
    results["matching"]["Guangxi against the earlier engine"] = compare_engines.compare(
        "450000", os.environ.get("BENCH_BASELINE", "main"))
    return results


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if sys.argv[1:] == ["matching"]:
        print(json.dumps(main_matching(url), ensure_ascii=False, indent=2))
        return
    if sys.argv[1:] == ["ledger"]:
        app, admin_id = _prepare(url)
        work = Path(tempfile.mkdtemp(prefix="qianshou-bench-data-"))
        with app.app_context():
            figures = county_ledger.run(app, admin_id, work)
        print(json.dumps({"county_ledger_xlsx": figures}, ensure_ascii=False, indent=2))
        return
    if sys.argv[1:] == ["sms"]:
        app, _ = _prepare(url)
        print(json.dumps({"sms": sms.run(app)}, ensure_ascii=False, indent=2))
        return
    app, admin_id = _prepare(url)
    results = {}

    def done(name: str) -> None:
        """Each part's figures as soon as it ends (a later part may take long or fail)."""
        print(json.dumps({name: results[name]}, ensure_ascii=False), file=sys.stderr,
              flush=True)

    with app.app_context():
        work = Path(tempfile.mkdtemp(prefix="qianshou-bench-data-"))
        results["county_ledger_xlsx"] = _ledger_apart(url)
        done("county_ledger_xlsx")
        results["import"] = imports.run(app, admin_id, work)
        done("import")
        results["matching"] = matching.prepare_county(app, admin_id, work)
    _matching_runs(app, results, workers=True)
    done("matching")

    with app.app_context():
        results["reminders"] = reminders.run(app)
    done("reminders")

    with app.app_context():
        results["dashboard"] = dashboard.run(app)
    done("dashboard")
    # Sichuan last, so the figures above are over the same data as before it was added.
    with app.app_context():
        results["matching"].update(matching.prepare_sichuan(app, admin_id, work))
    settle(url)
    results["matching"].update(matching.run_cli(matching.SICHUAN, "province (Sichuan)"))
    done("matching")
    results["sms"] = sms.run(app)
    print(json.dumps(results, ensure_ascii=False, indent=2))

if __name__ == "__main__":
    main()
