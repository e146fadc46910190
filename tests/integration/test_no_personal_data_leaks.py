"""No phone or ID number in the broker or the logs, over an end-to-end run with Redis and
a real worker: sign-up, registration with an ID number, matching, approval, a contact with
a concern, reminders and SMS."""

import json
import logging
import os

import pytest
import redis

from extensions import db
from services.shared.idcard import check_char
from tests.conftest import COUNTY_A, INSTANCE_DIR, child_data, volunteer_data
from tests.worker import running_worker, wait_for

pytestmark = pytest.mark.integration
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ID_NUMBER = "45012720150302123" + check_char("45012720150302123")
VOLUNTEER_PHONE, GUARDIAN_PHONE = "13912345678", "13787654321"
SECRETS = (ID_NUMBER, ID_NUMBER[:14], VOLUNTEER_PHONE, GUARDIAN_PHONE, "黄小明")


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def test_broker_and_logs_carry_ids_only(make_app, create_user, login, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    web = make_app(CELERY_ALWAYS_EAGER=False, REDIS_URL=REDIS_URL)
    broker = redis.Redis.from_url(REDIS_URL)
    broker.flushdb()
    coordinator = create_user(regions=(COUNTY_A,))
    staff, volunteer = web.test_client(), web.test_client()
    assert volunteer.post("/volunteers/signup", data=volunteer_data(
        phone=VOLUNTEER_PHONE, skills=["academic"])).status_code == 302
    login(coordinator, staff)
    staff.post("/children/new", data=child_data(
        id_number=ID_NUMBER, guardian_phone=GUARDIAN_PHONE, needs=["academic"],
        consent_given="y", consent_given_by="黄奶奶", consent_method="paper",
        consent_given_on="2026-01-10"))
    with web.app_context():
        from models import Volunteer

        volunteer_id = db.session.execute(db.select(Volunteer.id)).scalar_one()
    staff.post(f"/volunteers/{volunteer_id}/checks", data={
        "certificate_no": "N1", "issuing_office": "横县公安局", "issued_on": "2026-10-01"})
    staff.post(f"/volunteers/{volunteer_id}/vet")
    staff.post("/matching/runs", data={"region_code": COUNTY_A})
    web.extensions["celery"].send_task("sms.send_due")

    queued = b"".join(b"".join(broker.lrange(key, 0, -1)) for key in broker.keys("*")
                      if broker.type(key) == b"list")
    assert queued, "the tasks should be waiting in Redis"
    assert _leaks(queued.decode("utf-8", "replace")) == []

    sms_file = tmp_path / "sms.jsonl"
    with running_worker(REDIS_URL, fresh_broker=False, SMS_BACKEND="console",
                        SMS_FILE=str(sms_file)):
        with web.app_context():
            from models import MatchRun

            wait_for(lambda: db.session.execute(db.select(MatchRun.status)).scalar_one()
                     == "done" or db.session.rollback(), timeout=90)
    with open(os.path.join(INSTANCE_DIR, "worker.log"), encoding="utf-8",
              errors="replace") as fh:
        worker_log = fh.read()
    assert _leaks(worker_log) == []
    assert _leaks("\n".join(r.getMessage() for r in caplog.records)) == []
    assert json  # (the file backend is the provider's record, not a log)
