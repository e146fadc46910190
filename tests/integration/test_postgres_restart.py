"""PostgreSQL restarts while volunteers log contacts and a coordinator approves pairs:
every request that was answered as saved is in the database afterwards, nothing is saved
twice, the failed requests got a clean error page, and the site recovers by itself.

The test runs its own PostgreSQL cluster (initdb in a temporary folder), so restarting it
disturbs nothing else.
"""

import os
import shutil
import subprocess
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from app import create_app
from core.clock import today_local
from extensions import db
from models import ContactLog, FormSubmission, Pair, Proposal, User, Volunteer
from services.access import accounts
from services.matching import runs
from services.regions import region_tree
from services.registry import children, volunteers
from tests.conftest import COUNTY_A, PASSWORD, _settings, child_data, volunteer_data
from tests.worker import free_port

pytestmark = pytest.mark.integration
PG_BIN = Path("/usr/lib/postgresql") / (os.listdir("/usr/lib/postgresql")[0]
                                         if os.path.isdir("/usr/lib/postgresql") else "15") / "bin"


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivatePostgres:
    def __init__(self, folder: Path):
        self.port = free_port()
        self.data = folder / "pgdata"
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres")
            shutil.chown(self.data, "postgres")
        self._pg_ctl_options = (f"-p {self.port} -c listen_addresses=127.0.0.1 "
                                f"-c unix_socket_directories={self.data} -c fsync=on")
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-U",
                                     "postgres", "--auth=trust", "-E", "UTF8"]),
                       check=True, capture_output=True)
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *verb: str) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-l",
                                     str(self.data / "log"), "-o", self._pg_ctl_options,
                                     *verb]), check=True, capture_output=True)

    def start(self):
        self._ctl("start")

    def restart(self):
        self._ctl("-m", "fast", "restart")

    def stop(self):
        self._ctl("-m", "fast", "stop")


@pytest.fixture
def private_postgres():
    # A folder of its own under the system temporary folder: the server's user must reach it.
    folder = Path(tempfile.mkdtemp(prefix="qianshou-pg-"))
    server = PrivatePostgres(folder)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


def _seed(web, pairs: int, proposals: int) -> dict:
    """A coordinator, ``pairs`` approved pairs and ``proposals`` open proposals."""
    with web.app_context():
        upgrade()
        tree = region_tree(db.session)
        coordinator = accounts.create_user(db.session, role="coordinator", name="县协调员",
                                           phone="13800000009", password=PASSWORD,
                                           regions=[COUNTY_A])
        for n in range(pairs + proposals):
            volunteer = volunteers.sign_up(db.session, volunteer_data(
                phone=f"1390001{n:04d}", capacity="1"), tree, phone_verified=True)
            volunteers.record_check(db.session, coordinator, volunteer, certificate_no="N1",
                                    issuing_office="县公安局", issued_on=date(2026, 1, 1))
            volunteers.change_status(db.session, coordinator, volunteer, "vetted")
            children.register_child(db.session, coordinator, child_data(
                guardian_phone=f"1370001{n:04d}"), tree, {
                    "given_by": "黄奶奶", "relation": "grandparent", "method": "paper",
                    "given_on": date(2026, 1, 10)})
        db.session.commit()
        run = runs.start_run(db.session, None, COUNTY_A)
        db.session.commit()
        runs.execute_run(db.session, run.id, commit=db.session.commit)
        from services.pairs import lifecycle as pair_service

        ids = db.session.execute(select(Proposal.id).order_by(Proposal.id)).scalars().all()
        for proposal_id in ids[:pairs]:
            pair_service.approve_proposal(db.session, coordinator, proposal_id)
        db.session.commit()
        active = db.session.execute(select(Pair.id, Volunteer.user_id).join(
            Volunteer, Volunteer.id == Pair.volunteer_id)).tuples().all()
        return {"coordinator": coordinator.id, "pairs": active, "open": ids[pairs:]}


def _login(web, user_id: int):
    client = web.test_client()
    with web.app_context():
        phone = db.session.get(User, user_id).phone
    assert client.post("/auth/login", data={"phone": phone, "password": PASSWORD}
                       ).status_code == 302
    return client


def test_a_restart_loses_no_committed_contact_or_approval(private_postgres):
    # As served: background work goes to a broker (here one that is not there), never
    # inline in the web process.
    web = create_app(_settings(SQLALCHEMY_DATABASE_URI=private_postgres.url,
                               CELERY_ALWAYS_EAGER=False, REDIS_URL="redis://127.0.0.1:1/0"))
    seeded = _seed(web, pairs=4, proposals=30)
    stop = threading.Event()
    saved_tokens: list[str] = []
    approved: list[int] = []
    failures: list[tuple[int, str]] = []
    lock = threading.Lock()

    def answer(response, on_success):
        body = response.get_data(as_text=True)
        with lock:
            if response.status_code == 302 and "/auth/login" not in response.location:
                on_success()
            else:
                failures.append((response.status_code, body))

    clients = {user_id: _login(web, user_id) for _, user_id in seeded["pairs"]}
    coordinator = _login(web, seeded["coordinator"])

    def log_contacts(pair_id: int, user_id: int):
        client = clients[user_id]
        for n in range(10_000):
            if stop.is_set():
                return
            token = f"p{pair_id}-{n:05d}"
            response = client.post(f"/followups/pairs/{pair_id}/contact", data={
                "contact_date": today_local().isoformat(), "kind": "call",
                "child_mood": "fine", "submission": token})
            answer(response, lambda t=token: saved_tokens.append(t))

    def approve():
        client = coordinator
        for proposal_id in seeded["open"]:
            if stop.is_set():
                return
            response = client.post(f"/matching/proposals/{proposal_id}/approve")
            answer(response, lambda p=proposal_id: approved.append(p))
            time.sleep(0.1)

    crashed: list[BaseException] = []

    def guarded(work, *args):
        try:
            work(*args)
        except BaseException as exc:  # reported below, not lost in the thread
            crashed.append(exc)

    workers = [threading.Thread(target=guarded, args=(log_contacts, *pair))
               for pair in seeded["pairs"]]
    workers.append(threading.Thread(target=guarded, args=(approve,)))
    for worker in workers:
        worker.start()
    try:
        time.sleep(1.0)
        saved_before = len(saved_tokens)
        private_postgres.restart()
        time.sleep(2.0)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=60)
    assert not crashed, crashed
    assert saved_before > 0
    assert len(saved_tokens) > saved_before + 4, "the site did not recover after the restart"
    for status, body in failures:
        assert status in (500, 503) and "Traceback" not in body, (status, body[:300])

    with web.app_context():
        stored = set(db.session.execute(select(FormSubmission.token)).scalars())
        assert set(saved_tokens) <= stored, "a contact answered as saved was lost"
        logs = db.session.execute(select(func.count()).select_from(ContactLog)).scalar_one()
        assert logs == len([t for t in stored if t.startswith("p")])  # none saved twice
        paired = set(db.session.execute(select(Proposal.id).where(
            Proposal.status == "approved")).scalars())
        assert set(approved) <= paired, "an approval answered as saved was lost"
        # One pair per approved proposal (the four seeded ones included), none twice.
        assert db.session.execute(select(func.count()).select_from(Pair)).scalar_one() == \
            len(paired)
