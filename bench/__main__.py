"""Run every benchmark against PostgreSQL and print the figures for the README.

    python -m bench            # or: make bench
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/qianshou_bench (default)
    BENCH_REDIS_URL=redis://127.0.0.1:6379/14 (default; the two-worker matching run)

The benchmark database is dropped and rebuilt with the migrations each time.
"""

import json
import os
import tempfile
from pathlib import Path

from bench import county_ledger, dashboard, imports, matching, reminders
from bench.common import recreate_database
from extensions import db
from services.access import accounts

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/qianshou_bench"


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("QIANSHOU_INSTANCE", tempfile.mkdtemp(prefix="qianshou-bench-"))
    recreate_database(url)

    from flask_migrate import upgrade

    from app import create_app

    app = create_app()
    results = {}
    with app.app_context():
        upgrade()
        admin = accounts.create_user(db.session, role="admin", name="bench", phone="13800000001",
                                     password="bench-password")
        db.session.commit()
        work = Path(tempfile.mkdtemp(prefix="qianshou-bench-data-"))
        # First, so the process's peak memory is the county ledger's.
        results["county_ledger_xlsx"] = county_ledger.run(app, admin.id, work)
        results["import"] = imports.run(app, admin.id, work)
        results["matching"] = matching.prepare_county(app, admin.id, work)
    results["matching"].update(matching.run_cli("450000", "province (Guangxi)"))
    province_run = results["matching"]["province (Guangxi)"]["run_id"]
    results["matching"].update(matching.run_on_workers(app, "450000", province_run, workers=2))
    results["matching"].update(matching.run_cli("430121", "county (长沙县)"))

    with app.app_context():
        results["reminders"] = reminders.run(app)

    with app.app_context():
        results["dashboard"] = dashboard.run(app)
    print(json.dumps(results, ensure_ascii=False, indent=2))




def county_only() -> None:
    """Only the county ledger benchmark: python -c 'import bench.__main__ as b; b.county_only()'."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("QIANSHOU_INSTANCE", tempfile.mkdtemp(prefix="qianshou-bench-"))
    recreate_database(url)
    from flask_migrate import upgrade

    from app import create_app

    app = create_app()
    with app.app_context():
        upgrade()
        admin = accounts.create_user(db.session, role="admin", name="bench", phone="13800000001",
                                     password="bench-password")
        db.session.commit()
        work = Path(tempfile.mkdtemp(prefix="qianshou-bench-data-"))
        print(json.dumps(county_ledger.run(app, admin.id, work), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
