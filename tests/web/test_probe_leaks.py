"""Secrets and personal data that leaked in the probe: the edit page's guardian phone,
feedback links kept after sending, callback tokens and link tokens in access logs,
a cacheable feedback page, and name search treating % and _ as wildcards."""

from datetime import date, timedelta
from types import SimpleNamespace

from sqlalchemy import select

from core import clock
from extensions import db
from gunicorn_logging import MASK, RedactingLogger, redact
from models import AuditEntry, FeedbackRequest, OutboxMessage
from services.sms import sender
from services.sms.providers import get_backend
from tests.web.test_feedback import asked_at_three_months, local


def test_the_edit_page_shows_the_guardian_phone_only_audited(app, client, create_user,
                                                             login, create_child):
    user = create_user()
    child_id = create_child(user)
    login(user)
    page = client.get(f"/children/{child_id}/edit").get_data(as_text=True)
    assert "13700001234" in page  # the form needs it
    with app.app_context():
        actions = db.session.execute(select(AuditEntry.action).where(
            AuditEntry.record_id == child_id)).scalars().all()
    assert "child.reveal_phone" in actions


def test_a_sent_feedback_link_is_blanked_in_the_outbox(app, make_pair, client, tmp_path):
    made, token = asked_at_three_months(app, make_pair)
    backend = get_backend("file", {"SMS_FILE": str(tmp_path / "sms.jsonl")})
    with app.app_context(), clock.frozen(local(date(2027, 3, 1), 12)):
        sender.send_due(db.session, backend, clock.now(), commit=db.session.commit)
        [message] = db.session.execute(select(OutboxMessage).where(
            OutboxMessage.template == "feedback_request")).scalars().all()
        assert message.status == "sent"
        assert token not in str(message.params) and "/f/" not in str(message.params)
        assert db.session.query(FeedbackRequest).count() == 1
    # The person's own SMS still carries the working link.
    assert token in (tmp_path / "sms.jsonl").read_text(encoding="utf-8")
    with clock.frozen(local(date(2027, 3, 1), 13)):
        page = client.get(f"/f/{token}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"


def test_the_access_log_redacts_callback_and_link_tokens():
    lines = ["POST /followups/sms/aliyun/receipts?token=s3cret HTTP/1.1",
             "GET /f/Ab3dEfGh1jKlMn0pQrStUv HTTP/1.1", "a=1&Token=s3cret&b=2"]
    for line in lines:
        assert "s3cret" not in redact(line) and "Ab3dEf" not in redact(line)
        assert MASK in redact(line)
    assert redact("GET /children/?page=2 HTTP/1.1") == "GET /children/?page=2 HTTP/1.1"
    from gunicorn.config import Config

    logger = RedactingLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/f/Ab3dEfGh1jKlMn0pQrStUv?token=s3cret",
               "SERVER_PROTOCOL": "HTTP/1.1", "PATH_INFO": "/f/Ab3dEfGh1jKlMn0pQrStUv",
               "QUERY_STRING": "token=s3cret", "HTTP_REFERER": "https://x/f/Ab3dEfGh1jKlMn0pQrStUv"}
    atoms = logger.atoms(SimpleNamespace(status="200 OK", headers=[], sent=10),
                         SimpleNamespace(headers=[]), environ, timedelta(milliseconds=5))
    assert "s3cret" not in str(atoms) and "Ab3dEf" not in str(atoms)


def test_name_search_takes_percent_and_underscore_literally(app, client, create_user,
                                                             login, create_child, auth):
    user = create_user()
    create_child(user, name="黄小明")
    login(user)
    headers = auth(user)
    for q, found in (("%", False), ("_", False), ("黄_明", False), ("小明", True)):
        page = client.get(f"/children/?q={q}").get_data(as_text=True)
        assert ("黄小明" in page) is found, q
        api = client.get("/api/v1/children", query_string={"q": q}, headers=headers)
        assert (api.json["total"] == 1) is found, q
