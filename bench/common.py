"""What the benchmarks share: the repository root and running a flask command."""

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def use_bench_keys() -> None:
    """One set of keys for a benchmark, every worker and command it starts, and a later
    run on the same database (`python -m bench.dashboard`, BENCH_REUSE=1): a phone
    encrypted by one must decrypt in the others. For the synthetic data only."""
    for name in ("DATA_KEY", "LOOKUP_KEY", "SECRET_KEY"):
        digest = hashlib.sha256(f"qianshou benchmark {name}".encode()).digest()
        os.environ.setdefault(name, base64.urlsafe_b64encode(digest).decode())


#: The product's own code, compiled to bytecode before the timed commands, as the
#: Docker image does (where PYTHONDONTWRITEBYTECODE is set, nothing else writes it).
PRODUCT_CODE = ("app.py", "config.py", "extensions.py", "blueprints", "core", "models",
                "services", "tasks")


def compile_bytecode() -> None:
    import compileall

    for name in PRODUCT_CODE:
        path = ROOT / name
        if path.is_dir():
            compileall.compile_dir(path, quiet=1)
        else:
            compileall.compile_file(path, quiet=1)


def settle(url: str) -> None:
    """After the benchmark's bulk imports: vacuum and analyse the tables and write the
    imported pages out, as autovacuum and the checkpointer would have done on a server
    before anyone runs matching, so the timed runs neither plan on empty statistics
    nor share the disk with the imports' writes."""
    conn = _connect(url)
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
        cur.execute("CHECKPOINT")
    conn.close()


def run_cli(*args: str) -> tuple[dict, float]:
    """Run a flask command in a child process; return its JSON line and wall seconds."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1]), time.perf_counter() - started


def recreate_database(url: str) -> None:
    """Drop and create the benchmark database."""
    parsed = make_url(url)
    admin = _connect(url, "postgres")
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{parsed.database}"')
        cur.execute(f'CREATE DATABASE "{parsed.database}"')
    admin.close()


def _connect(url: str, database: str | None = None):
    """An autocommit connection to ``url``'s server, to its database or ``database``."""
    parsed = make_url(url)
    conn = psycopg2.connect(dbname=database or parsed.database, user=parsed.username,
                            host=parsed.host, port=parsed.port or 5432)
    conn.autocommit = True
    return conn
