"""Start and stop a real Celery worker process against the test database."""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import DATABASE_URL, INSTANCE_DIR

ROOT = Path(__file__).resolve().parent.parent


def worker_env(redis_url: str | None = None, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update({"DATABASE_URL": DATABASE_URL, "QIANSHOU_INSTANCE": INSTANCE_DIR,
                "SECRET_KEY": "test-secret", "PYTHONPATH": str(ROOT), **extra})
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


@contextmanager
def running_worker(redis_url: str | None = None, log_path: Path | None = None,
                   beat: bool = False, fresh_broker: bool = True, **extra):
    """A worker process (solo pool) for the duration of the block; killed afterwards.

    The test broker starts empty (unless ``fresh_broker`` is false), so no task left by
    an earlier run reaches the worker.
    """
    if redis_url and fresh_broker:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    log = open(log_path or Path(INSTANCE_DIR) / "worker.log", "ab")
    command = [sys.executable, "-m", "celery", "-A", "tasks.worker", "worker", "--pool=solo",
               "--loglevel=info", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    if beat:
        command += ["--beat", "--schedule", str(Path(INSTANCE_DIR) / "beat-schedule")]
    process = subprocess.Popen(
        command,
        cwd=ROOT, env=worker_env(redis_url, **extra), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def free_port() -> int:
    """A port on this machine with nothing listening (for a server a test starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
