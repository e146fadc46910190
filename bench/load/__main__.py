"""Load test: gunicorn on PostgreSQL with a province of data, driven by locust (headless,
bounded in time, 127.0.0.1 only). Prints per-endpoint throughput and p50/p95/p99.

    python -m bench.load          # or: make load
    LOAD_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/qianshou_load (default)
    LOAD_USERS=50 LOAD_SECONDS=90

The load database is dropped and rebuilt each time: 100,000 children and 10,000
volunteers over Guangxi (the benchmark's synthetic ledgers), a dozen coordinators, and
60 volunteers with an active pair each whose accounts the load logs in with.
"""

import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, recreate_database
from bench.imports import PROVINCE, _import
from bench.synthetic import counties_of, write_children, write_volunteers
from core.clock import today_local
from extensions import db
from models import Proposal, User
from services.access import accounts, api_tokens
from services.matching import runs
from services.pairs import lifecycle
from services.regions import region_tree
from services.registry import children, volunteers

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/qianshou_load"
PASSWORD = "load-test-password"
SECRET = "load-test-secret-key"


def main() -> None:
    url = os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL)
    users = int(os.environ.get("LOAD_USERS", 50))
    seconds = int(os.environ.get("LOAD_SECONDS", 90))
    instance = tempfile.mkdtemp(prefix="qianshou-load-")
    os.environ.update(DATABASE_URL=url, QIANSHOU_INSTANCE=instance, SECRET_KEY=SECRET)
    recreate_database(url)
    work = Path(tempfile.mkdtemp(prefix="qianshou-load-data-"))
    accounts = seed(work)
    accounts_file = work / "accounts.json"
    accounts_file.write_text(json.dumps(accounts, ensure_ascii=False), encoding="utf-8")
    port = _free_port()
    env = {**os.environ, "REDIS_URL": os.environ.get("LOAD_REDIS_URL",
                                                     "redis://127.0.0.1:6379/13"),
           "OTP_CODES_PER_ADDRESS_HOUR": "1000000", "LOAD_ACCOUNTS": str(accounts_file)}
    web = subprocess.Popen(
        # The production settings (gunicorn.conf.py), on this machine's loopback only.
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}",
         "--access-logfile", "/dev/null", "--log-level", "warning", "app:app"], cwd=ROOT, env=env)
    try:
        _wait_until_serving(port)
        stats = run_locust(port, users, seconds, work, env)
    finally:
        web.terminate()
        web.wait(timeout=60)
    print(json.dumps(stats, ensure_ascii=False, indent=2))
    print(markdown(stats))


def seed(work: Path) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app

    app = create_app()
    with app.app_context():
        upgrade()
        admin = accounts.create_user(db.session, role="admin", name="load", password=PASSWORD,
                                     phone="13800000001")
        db.session.commit()
        tree = region_tree(db.session)
        counties = counties_of(tree, PROVINCE)
        write_children(work / "children.csv", counties, 100_000)
        write_volunteers(work / "volunteers.csv", counties, 10_000)
        _import("children", work / "children.csv", admin.id)
        _import("volunteers", work / "volunteers.csv", admin.id, vetted=True)
        county = counties[0].code
        coordinators = [accounts.create_user(
            db.session, role="coordinator", name=f"协调员{n}", password=PASSWORD,
            phone=f"1380000{100 + n:04d}", regions=[PROVINCE if n < 4 else county])
            for n in range(12)]
        mine = []
        for n in range(60):
            volunteer = volunteers.sign_up(db.session, {
                "name": "韦丽华", "phone": f"1360000{n:04d}", "password": PASSWORD,
                "gender": "F", "region_code": county, "skills": ["academic", "emotional"],
                "capacity": "1", "max_distance_km": "50", "child_gender": "any",
                "privacy_consent": "y", "availability": "周末", "motivation": "想帮助孩子"},
                tree, phone_verified=True)
            volunteers.record_check(db.session, admin, volunteer, certificate_no=f"L{n}",
                                    issuing_office="县公安局", issued_on=today_local())
            volunteers.change_status(db.session, admin, volunteer, "vetted")
            children.register_child(db.session, admin, {
                "name": "黄小明", "gender": "M", "birth_date": "2015-03-02",
                "region_code": county, "category": "left_behind",
                "sub_type": "both_parents_away", "needs": ["academic"], "priority": "urgent",
                "guardian_name": "黄奶奶", "guardian_relation": "grandparent",
                "guardian_phone": f"1350000{n:04d}", "township": "", "school": "",
                "notes": "", "id_number": ""}, tree, {
                    "given_by": "黄奶奶", "relation": "grandparent", "method": "paper",
                    "given_on": today_local()})
            mine.append((volunteer.id, volunteer.phone))
        db.session.commit()
        run = runs.start_run(db.session, None, county)
        db.session.commit()
        runs.execute_run(db.session, run.id, commit=db.session.commit)
        wanted = {vid for vid, _ in mine}
        proposals = db.session.execute(select(Proposal).where(
            Proposal.run_id == run.id, Proposal.volunteer_id.in_(wanted))).scalars().all()
        logins = []
        for proposal in proposals:
            pair = lifecycle.approve_proposal(db.session, admin, proposal.id)
            phone = dict(mine)[proposal.volunteer_id]
            logins.append({"phone": phone, "password": PASSWORD, "pair_id": pair.id})
        db.session.commit()
        token, _ = api_tokens.create_token(db.session, db.session.get(User, coordinators[0].id),
                                           "load")
        db.session.commit()
        return {"volunteers": logins, "run_id": run.id, "api_token": token, "county": county,
                "today": today_local().isoformat(),
                "coordinators": [{"phone": c.phone, "password": PASSWORD}
                                 for c in coordinators]}


def run_locust(port: int, users: int, seconds: int, work: Path, env: dict) -> dict:
    prefix = work / "load"
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "load" / "locustfile.py"),
         "--headless", "-u", str(users), "-r", "10", "-t", f"{seconds}s",
         "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary",
         "--loglevel", "WARNING"], cwd=ROOT, env=env, check=False)
    rows = list(csv.DictReader(open(f"{prefix}_stats.csv", encoding="utf-8")))
    return {"users": users, "seconds": seconds, "endpoints": [
        {"name": row["Name"], "method": row["Type"], "requests": int(row["Request Count"]),
         "failures": int(row["Failure Count"]), "rps": round(float(row["Requests/s"]), 1),
         "p50_ms": _ms(row["50%"]), "p95_ms": _ms(row["95%"]), "p99_ms": _ms(row["99%"])}
        for row in rows]}


def markdown(stats: dict) -> str:
    lines = ["| endpoint | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
             "|---|---|---|---|---|---|---|"]
    for e in stats["endpoints"]:
        name = e["name"] if e["name"] == "Aggregated" else f"{e['method']} {e['name']}"
        lines.append(f"| {name} | {e['requests']} | {e['failures']} | {e['rps']} | "
                     f"{e['p50_ms']} | {e['p95_ms']} | {e['p99_ms']} |")
    return "\n".join(lines)


def _ms(value: str) -> int | None:
    return None if value in ("", "N/A") else int(float(value))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


if __name__ == "__main__":
    main()
