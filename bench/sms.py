"""Benchmark: the SMS outbox on real workers (PostgreSQL + Redis, the ``file`` backend).

- throughput: 25,000 routine messages (BENCH_SMS_MESSAGES) due at once, sent by 1 and then
  2 worker processes; messages per second from the first acceptance to the last (target
  >= 1,000/s with 2).
- concern latency: the provider limited to 50 messages/s, 25,000 routine messages waiting
  and being sent by the default worker; a concern alert is committed and the priority lane
  (a second worker on ``sms-priority``) sends it: seconds from the commit to the
  provider's acceptance (target < 5 s), three times.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select

from bench.common import ROOT
from core.clock import now
from extensions import db
from models import OutboxMessage
from services.sms import outbox

BACKLOG = 25_000
#: Messages for the throughput runs (BENCH_SMS_MESSAGES; the backlog size by default).
THROUGHPUT_MESSAGES = int(os.environ.get("BENCH_SMS_MESSAGES", BACKLOG))
REMINDER = {"child_given_name": "小明", "due_date": "12月15日"}


def _redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def _queue_backlog(count: int = BACKLOG) -> None:
    db.session.execute(delete(OutboxMessage))
    earlier = now() - timedelta(hours=1)
    outbox.queue(db.session, [outbox.message_row(
        f"bench:{i:05d}", "contact_due", "contact", "volunteer", f"+86137{i:08d}",
        params=REMINDER, not_before=earlier) for i in range(count)])
    db.session.commit()
    # Statistics, as autovacuum keeps them on a live database: the planner then reads a
    # number's messages by its index, not by scanning the day's sends.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(db.text("ANALYZE sms_outbox"))


def _workers(sms_file: Path, queues: list[str], **extra) -> list[subprocess.Popen]:
    import redis

    redis.Redis.from_url(_redis_url()).flushdb()
    # The keys come with the environment (bench.common.use_bench_keys), so the workers
    # decrypt the numbers this process queued.
    env = {**os.environ, "REDIS_URL": _redis_url(), "SMS_BACKEND": "file",
           "SMS_FILE": str(sms_file), **extra}
    return [subprocess.Popen(
        # One task at a time, and one reserved: a solo worker left at the default
        # concurrency (the CPU count) reserves a second send task that the other worker
        # should be running.
        [sys.executable, "-m", "celery", "-A", "tasks.worker", "worker", "--pool=solo",
         "--concurrency=1", "--loglevel=warning", "--without-gossip", "--without-mingle",
         "--without-heartbeat",
         "--queues", queue, "-n", f"sms{n}@%h"], cwd=ROOT, env=env)
        for n, queue in enumerate(queues)]


def _stop(processes) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=60)


def _lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    data = path.read_bytes()
    return [json.loads(raw) for raw in data[:data.rfind(b"\n") + 1].splitlines()]


def _remaining() -> int:
    db.session.expire_all()
    left = db.session.execute(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status.in_(("queued", "sending")))).scalar_one()
    db.session.rollback()  # hold no snapshot open while the workers update the rows
    return left


def throughput(sender_app, workers: int) -> dict:
    _queue_backlog(THROUGHPUT_MESSAGES)
    sms_file = Path(tempfile.mkdtemp(prefix="qianshou-bench-sms-")) / "sms.jsonl"
    processes = _workers(sms_file, ["celery"] * workers)
    try:
        time.sleep(5)  # let the workers connect
        for _ in range(workers):
            sender_app.extensions["celery"].send_task("sms.send_due")
        while _remaining():
            time.sleep(0.5)
    finally:
        _stop(processes)
    stamps = [datetime.fromisoformat(line["sent_at"]) for line in _lines(sms_file)]
    seconds = (max(stamps) - min(stamps)).total_seconds()
    return {"workers": workers, "messages": len(stamps), "seconds": round(seconds, 2),
            "messages_per_s": round(len(stamps) / seconds),
            "load_average": round(os.getloadavg()[0], 1)}


def concern_latency(sender_app, rounds: int = 3) -> dict:
    """Seconds from a concern alert's commit to its acceptance, 50/s provider limit."""
    _queue_backlog()
    sms_file = Path(tempfile.mkdtemp(prefix="qianshou-bench-sms-")) / "sms.jsonl"
    processes = _workers(sms_file, ["celery", "sms-priority"],
                         SMS_FILE_RATE_LIMIT="50/second")
    latencies = []
    try:
        time.sleep(5)
        sender_app.extensions["celery"].send_task("sms.send_due")
        while len(_lines(sms_file)) < 200:  # the routine lane runs at the provider's limit
            time.sleep(0.2)
        for n in range(rounds):
            with sender_app.app_context():
                outbox.queue(db.session, [outbox.message_row(
                    f"bench-concern:{n}", "concern_raised", "concern", "coordinator",
                    f"+8613800{n:06d}", params={"county": "横县", "kind": "安全"})])
                db.session.commit()  # wakes the priority lane (tasks.dispatch)
                committed = datetime.now(UTC)
            key = f"bench-concern:{n}"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                sent = [line for line in _lines(sms_file) if line["key"] == key]
                if sent:
                    latencies.append((datetime.fromisoformat(sent[0]["sent_at"])
                                      - committed).total_seconds())
                    break
                time.sleep(0.01)
            time.sleep(2)
        waiting = _remaining()
    finally:
        _stop(processes)
    routine = [line for line in _lines(sms_file) if line["key"].startswith("bench:")]
    return {"provider_limit": "50/second", "routine_waiting_at_the_end": waiting,
            "routine_sent_meanwhile": len(routine),
            "concern_commit_to_accepted_s": [round(s, 3) for s in latencies]}


def run(app) -> dict:
    from app import create_app

    sender_app = create_app({"REDIS_URL": _redis_url()})
    with app.app_context():
        results = {"throughput_1_worker": throughput(sender_app, 1),
                   "throughput_2_workers": throughput(sender_app, 2),
                   "concern_latency": concern_latency(sender_app)}
        db.session.execute(delete(OutboxMessage))
        db.session.commit()
    return results
