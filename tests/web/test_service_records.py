"""Service records (志愿服务记录): confirmation (one, or a county's month), correction
with a reason (audited), the volunteer's hours, the certificate PDF and its public check,
and the hours workbook."""

import io
from datetime import date, datetime

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from core import clock
from core.clock import LOCAL_TZ
from extensions import db
from models import AuditEntry, ContactLog, ServiceCertificate, ServiceRecord, User, Volunteer
from tests.conftest import COUNTY_A

LATER = datetime(2026, 12, 20, 10, 0, tzinfo=LOCAL_TZ)


def _volunteer_client(app, login, made):
    with app.app_context():
        user_id = db.session.get(Volunteer, made["volunteer"]).user_id
    return login(user_id, app.test_client())


def _log(client, pair_id, day, kind="call", minutes="30"):
    response = client.post(f"/followups/pairs/{pair_id}/contact", data={
        "contact_date": day, "kind": kind, "duration_minutes": minutes, "child_mood": "fine",
        "notes": "", "concern_kind": "", "concern_text": ""})
    assert response.status_code == 302


def _contacts(app):
    with app.app_context():
        return [c.id for c in db.session.execute(
            select(ContactLog).order_by(ContactLog.contact_date)).scalars()]


def _world(app, make_pair, login):
    made = make_pair()
    volunteer = _volunteer_client(app, login, made)
    with clock.frozen(LATER):
        _log(volunteer, made["pair"], "2026-12-02", "call", "30")
        _log(volunteer, made["pair"], "2026-12-09", "home_visit", "90")
        _log(volunteer, made["pair"], "2026-12-15", "video", "0")  # no minutes: no time
    coordinator = login(min(made["coordinators"]), app.test_client())
    return made, volunteer, coordinator


def test_confirming_one_then_the_month_counts_each_contact_once(app, make_pair, login,
                                                                create_user):
    made, volunteer, coordinator = _world(app, make_pair, login)
    first, second, _ = _contacts(app)
    with clock.frozen(LATER):
        page = coordinator.get(f"/service-records/?county={COUNTY_A}&month=2026-12")
        assert page.status_code == 200 and "韦丽华" in page.get_data(as_text=True)
        assert coordinator.post(f"/service-records/contacts/{first}/confirm").status_code == 302
        assert coordinator.post(f"/service-records/contacts/{first}/confirm").status_code == 302
        assert coordinator.post("/service-records/confirm-month",
                                data={"county": COUNTY_A, "month": "2026-12"}).status_code == 302
        hours = volunteer.get("/volunteers/me/hours").get_data(as_text=True)
    with app.app_context():
        records = db.session.execute(select(ServiceRecord)).scalars().all()
        assert sorted(r.minutes for r in records) == [30, 90]
        assert {r.contact_log_id for r in records} == {first, second}
    assert "2.0 小时" in hours and "2026-12" in hours
    other = login(create_user(regions=("450329",)), app.test_client())  # county B
    assert other.post(f"/service-records/contacts/{first}/confirm").status_code == 404
    assert other.post("/service-records/confirm-month",
                      data={"county": COUNTY_A, "month": "2026-12"}).status_code == 404
    assert volunteer.post(f"/service-records/contacts/{first}/confirm").status_code == 403


def test_a_correction_needs_a_reason_and_is_audited(app, make_pair, login):
    made, volunteer, coordinator = _world(app, make_pair, login)
    with clock.frozen(LATER):
        coordinator.post("/service-records/confirm-month",
                         data={"county": COUNTY_A, "month": "2026-12"})
    with app.app_context():
        record = db.session.execute(select(ServiceRecord).where(
            ServiceRecord.minutes == 90)).scalar_one()
    with clock.frozen(LATER):
        no_reason = coordinator.post(f"/service-records/{record.id}/correct",
                                     data={"minutes": "60", "reason": ""})
        assert no_reason.status_code == 302
        coordinator.post(f"/service-records/{record.id}/correct",
                         data={"minutes": "60", "reason": "家访实际一小时"})
    with app.app_context():
        fixed = db.session.get(ServiceRecord, record.id)
        assert (fixed.minutes, fixed.logged_minutes, fixed.correction_reason) == (
            60, 90, "家访实际一小时")
        entry = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "service.correct")).scalar_one()
        assert entry.detail == {"before": 90, "after": 60, "reason": "家访实际一小时"}
    with clock.frozen(LATER):
        assert "1.5 小时" in volunteer.get("/volunteers/me/hours").get_data(as_text=True)


def test_the_certificate_states_the_record_and_the_check_shows_only_its_facts(
        app, make_pair, login):
    made, volunteer, coordinator = _world(app, make_pair, login)
    with clock.frozen(LATER):
        none_yet = volunteer.get("/volunteers/me/certificate.pdf")
        assert none_yet.status_code == 302  # nothing confirmed yet: a message, no PDF
        coordinator.post("/service-records/confirm-month",
                         data={"county": COUNTY_A, "month": "2026-12"})
        response = volunteer.get("/volunteers/me/certificate.pdf")
        again = volunteer.get("/volunteers/me/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    with app.app_context():
        certificate = db.session.execute(select(ServiceCertificate)).scalar_one()  # once
        volunteer_row = db.session.get(Volunteer, made["volunteer"])
        phone = volunteer_row.phone
    for words in ("志愿服务记录证明", "牵手童行", "韦丽华", "139****", "2026年12月2日",
                  "2026年12月9日", "2.0 小时", "电话陪伴 1 次", "家访 1 次",
                  "2026年12月20日", certificate.code, "横县", "第十九条"):
        assert words in text, words
    assert phone[3:] not in text and again.status_code == 200
    check = app.test_client().get(f"/verify/{certificate.code.lower()}")
    page = check.get_data(as_text=True)
    assert check.status_code == 200
    for words in ("韦丽华", "2.0 小时", certificate.code, "2026-12-02", "2026-12-09"):
        assert words in page, words
    for secret in (phone[3:], "小明", "横县公安局", "周末", "想帮助孩子"):
        assert secret not in page, secret  # nothing more than the certificate's facts
    assert app.test_client().get("/verify/AAAAAAAAAAAA").status_code == 404
    assert app.test_client().get("/verify/x").status_code == 404


def test_verification_is_rate_limited(make_app, app):
    limited = make_app(RATELIMIT_ENABLED=True)
    client = limited.test_client()
    answers = [client.get("/verify/AAAAAAAAAAAA").status_code for _ in range(25)]
    assert answers[:20] == [404] * 20 and answers[-1] == 429


def test_hours_export_per_county_and_month(app, make_pair, login):
    made, volunteer, coordinator = _world(app, make_pair, login)
    with clock.frozen(LATER):
        coordinator.post("/service-records/confirm-month",
                         data={"county": COUNTY_A, "month": "2026-12"})
        response = coordinator.get(f"/service-records/hours.xlsx?county={COUNTY_A}"
                                   "&month=2026-12")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("日期", "志愿者", "服务内容", "确认时长（分钟）")
    assert rows[1][:4] == ("2026-12-02", "韦丽华", "电话", 30)
    assert rows[2][:4] == ("2026-12-09", "韦丽华", "家访", 90)
    assert rows[-1][0] == "合计" and rows[-1][3] == 120
    with app.app_context():
        assert date(2026, 12, 1)
        assert db.session.get(User, min(made["coordinators"]))
