"""Start the production processes of the Procfile on this machine, and stop them together.

Creates the database if missing, applies the migrations, then runs web (gunicorn),
worker and beat until interrupted. Used by `make services`.
"""

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _ensure_database(url: str) -> None:
    import psycopg2
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = psycopg2.connect(dbname="postgres", user=parsed.username, host=parsed.host,
                             port=parsed.port or 5432, password=parsed.password)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,))
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{parsed.database}"')
    admin.close()


def main() -> None:
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}")
    env.setdefault("WEB_CONCURRENCY", "2")  # gunicorn.conf.py reads it; 2 cores here
    env.setdefault("PORT", "8000")
    _ensure_database(env["DATABASE_URL"])
    subprocess.run([BIN / "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True)
    # Blocked, so that sigtimedwait below receives them and the finally clause runs.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    processes = []
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        command = os.path.expandvars(command.strip())
        print(f"starting {name}: {command}", flush=True)
        processes.append(subprocess.Popen(
            shlex.split(command), cwd=ROOT, env=env, start_new_session=True,
            preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_UNBLOCK,
                                                      {signal.SIGINT, signal.SIGTERM})))
    try:
        while all(p.poll() is None for p in processes):
            if signal.sigtimedwait([signal.SIGINT, signal.SIGTERM], 1.0):
                break
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
