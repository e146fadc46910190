"""Self-declaration (自主申报): a family applies with a code and online consent, the
county's coordinators verify, accept or decline; limits; nobody else sees the data."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core import clock
from extensions import db
from models import Application, AuditEntry, Child
from services.applications import intake
from tests.conftest import COUNTY_A, COUNTY_B
from tests.sms_codes import last_code, wrong

PHONE = "13600001111"
E164 = "+8613600001111"
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _own_sms_file(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SMS_FILE", str(tmp_path / "sms.jsonl"))


def sms(app, template: str, phone: str = E164) -> list[dict]:
    path = Path(app.config["SMS_FILE"])
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines()] \
        if path.exists() else []
    return [r for r in records if r.get("template") == template and r.get("to") == phone]


def answers(**overrides) -> dict:
    data = {"applicant_name": "王建国", "applicant_relation": "parent", "child_name": "王小军",
            "child_gender": "M", "child_birth_date": "2016-04-01", "region_code": COUNTY_A,
            "township": "六景镇", "category": "migrant", "sub_type": "with_migrant_parents",
            "hukou_region_code": "510129", "needs": ["academic", "emotional"],
            "situation": "父母在县城打工，孩子放学后无人照看。", "consent": "y",
            "signature": "王建国", "notice_version": intake.NOTICE_VERSION}
    data.update(overrides)
    return data


def prove_number(client, app, phone=PHONE):
    assert client.post("/apply/", data={"phone": phone}).headers["Location"].endswith(
        "/apply/code")
    code = last_code(app, "+86" + phone)
    assert client.post("/apply/code", data={"code": code}).headers["Location"].endswith(
        "/apply/form")


def apply(client, app, phone=PHONE, **overrides) -> str:
    """Apply through the pages; the reference shown at the end."""
    prove_number(client, app, phone)
    response = client.post("/apply/form", data=answers(**overrides))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get("/apply/sent").get_data(as_text=True)
    with app.app_context():
        reference = db.session.execute(select(Application.reference).order_by(
            Application.id.desc())).scalars().first()
    assert reference in page
    return reference


def test_family_applies_with_code_and_consent_and_gets_a_reference_by_sms(client, app):
    with clock.frozen(T0):
        reference = apply(client, app)
    with app.app_context():
        application = db.session.execute(select(Application)).scalar_one()
        assert application.status == "waiting" and application.region_code == COUNTY_A
        assert application.applicant_phone == E164
        assert application.signature == "王建国" and application.consented_at == T0
        assert application.notice_version == intake.NOTICE_VERSION
        assert "监护人" in application.notice_text  # the notice as shown, in Chinese
        assert application.consent_address == "127.0.0.1"
        entry = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "application.submit")).scalar_one()
        assert entry.record_id == application.id and entry.actor_id is None
    (received,) = sms(app, "application_received")
    assert received["params"] == {"child_given_name": "小军", "reference": reference}


def test_the_form_needs_a_proven_number(client, app):
    response = client.post("/apply/form", data=answers())
    assert response.headers["Location"].endswith("/apply/")
    client.post("/apply/", data={"phone": PHONE})
    wrong_code = wrong(last_code(app, E164))
    assert "验证码不正确" in client.post("/apply/code", data={"code": wrong_code}
                                         ).get_data(as_text=True)
    assert client.post("/apply/form", data=answers()).headers["Location"].endswith("/apply/")
    with app.app_context():
        assert db.session.execute(select(Application)).first() is None


def test_the_proof_expires_after_half_an_hour(client, app):
    with clock.frozen(T0):
        prove_number(client, app)
    with clock.frozen(T0 + timedelta(minutes=31)):
        response = client.post("/apply/form", data=answers())
    assert response.headers["Location"].endswith("/apply/")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"consent": ""}, "勾选"),
    ({"signature": "王建"}, "签名"),
    ({"hukou_region_code": ""}, "必填"),
    ({"region_code": "450100"}, "不是县（区）代码"),
])
def test_bad_answers_say_what_to_fix_and_keep_what_was_typed(client, app, overrides,
                                                             message):
    prove_number(client, app)
    page = client.post("/apply/form", data=answers(**overrides)).get_data(as_text=True)
    assert message in page and "父母在县城打工" in page
    with app.app_context():
        assert db.session.execute(select(Application)).first() is None


def test_applications_are_limited_per_number_and_per_address(client, app, monkeypatch):
    for minute in range(intake.APPLICATIONS_PER_NUMBER_PER_DAY):
        with clock.frozen(T0 + timedelta(minutes=2 * minute)):
            apply(client, app, child_name=f"王小{'一二三'[minute]}")
    with clock.frozen(T0 + timedelta(minutes=10)):
        prove_number(client, app)
        page = client.post("/apply/form", data=answers()).get_data(as_text=True)
    assert "明天再试" in page
    monkeypatch.setattr(intake, "APPLICATIONS_PER_ADDRESS_PER_DAY", 3)
    with clock.frozen(T0 + timedelta(minutes=12)):
        prove_number(client, app, "13600002222")
        page = client.post("/apply/form", data=answers()).get_data(as_text=True)
    assert "您所在的网络" in page
    with app.app_context():
        assert db.session.execute(select(Application)).scalars().all().__len__() == 3
    # The next day both limits are lifted.
    with clock.frozen(T0 + timedelta(days=1, minutes=20)):
        apply(client, app, "13600002222")


def test_codes_for_applying_keep_the_one_a_minute_limit(client, app):
    with clock.frozen(T0):
        client.post("/apply/", data={"phone": PHONE})
        page = client.post("/apply/", data={"phone": PHONE}, follow_redirects=True
                           ).get_data(as_text=True)
    assert "一分钟内已向该号码发送过验证码" in page


def _coordinator_flow(client, app, login, create_user):
    with clock.frozen(T0):
        reference = apply(client, app)
    coordinator = create_user(regions=(COUNTY_A,), name="韦协调")
    staff = app.test_client()
    login(coordinator, staff)
    with app.app_context():
        application_id = db.session.execute(select(Application.id)).scalar_one()
    return reference, staff, coordinator, application_id


def test_coordinator_verifies_and_accepts_the_child_enters_with_the_consent(
        client, app, login, create_user):
    reference, staff, coordinator, application_id = _coordinator_flow(client, app, login,
                                                                      create_user)
    queue = staff.get("/applications/").get_data(as_text=True)
    assert reference in queue and "王小军" in queue
    # Accepting before verifying is refused, and says what to do.
    page = staff.post(f"/applications/{application_id}/accept", data={"priority": "high"},
                      follow_redirects=True).get_data(as_text=True)
    assert "请先" in page and "核实" in page
    staff.post(f"/applications/{application_id}/verify",
               data={"method": "home_visit", "note": "入户核实：情况属实。"})
    response = staff.post(f"/applications/{application_id}/accept",
                          data={"priority": "high"})
    assert "/children/" in response.headers["Location"]
    with app.app_context():
        application = db.session.get(Application, application_id)
        child = db.session.get(Child, application.child_id)
        assert application.status == "accepted" and application.verified_by_id == coordinator
        assert (child.name, child.category, child.hukou_region_code, child.priority) == (
            "王小军", "migrant", "510129", "high")
        assert child.guardian_phone == E164 and child.consenting
        consent = child.current_consent
        assert (consent.method, consent.given_by, consent.application_id,
                consent.notice_version) == ("online", "王建国", application_id,
                                            intake.NOTICE_VERSION)
        actions = {e.action for e in db.session.execute(select(AuditEntry)).scalars()}
        assert {"application.view", "application.verify", "application.accept",
                "child.create"} <= actions
        child_id = child.id
    detail = staff.get(f"/children/{child_id}").get_data(as_text=True)
    assert "网上自主申报" in detail and reference in detail
    assert sms(app, "application_accepted")
    # A decided application is never decided again.
    page = staff.post(f"/applications/{application_id}/verify",
                      data={"method": "phone", "note": "x"}, follow_redirects=True)
    assert "已经处理" in page.get_data(as_text=True)


def test_coordinator_declines_with_a_reason_the_family_gets_by_sms_and_reads(
        client, app, login, create_user):
    reference, staff, _, application_id = _coordinator_flow(client, app, login, create_user)
    staff.post(f"/applications/{application_id}/verify",
               data={"method": "phone", "note": "电话核实：孩子已随父母回户籍地。"})
    staff.post(f"/applications/{application_id}/decline", data={"reason": "孩子已回户籍地生活"})
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.status == "declined" and application.child_id is None
        assert db.session.execute(select(Child)).first() is None
    (declined,) = sms(app, "application_declined")
    assert declined["params"]["reason"] == "孩子已回户籍地生活"
    # The family reads the status with the reference and a new code.
    family = app.test_client()
    with clock.frozen(T0 + timedelta(hours=1)):
        family.post("/apply/status", data={"reference": reference.lower(), "phone": PHONE})
        page = family.post("/apply/status/code", data={"code": last_code(app, E164)}
                           ).get_data(as_text=True)
    assert 'data-status="declined"' in page and "孩子已回户籍地生活" in page
    assert "王小军" not in page and "父母在县城打工" not in page


def test_a_wrong_reference_gets_the_same_answer_and_no_code(client, app):
    with clock.frozen(T0):
        reference = apply(client, app)
    other = app.test_client()
    with clock.frozen(T0 + timedelta(hours=1)):
        page = other.post("/apply/status", data={"reference": "SB222222", "phone": PHONE},
                          follow_redirects=True).get_data(as_text=True)
    assert "如果" in page
    assert len([r for r in sms(app, "verification_code")]) == 1  # only the applying code
    with clock.frozen(T0 + timedelta(hours=2)):
        other.post("/apply/status", data={"reference": reference, "phone": "13600009999"})
    assert not sms(app, "verification_code", "+8613600009999")


def test_only_coordinators_of_the_county_see_an_application(client, app, login,
                                                            create_user):
    with clock.frozen(T0):
        apply(client, app)
    with app.app_context():
        application_id = db.session.execute(select(Application.id)).scalar_one()
    for user in (create_user(regions=(COUNTY_B,)), create_user(role="admin")):
        other = app.test_client()
        login(user, other)
        assert "王小军" not in other.get("/applications/").get_data(as_text=True)
        assert other.get(f"/applications/{application_id}").status_code in (403, 404)
        assert other.post(f"/applications/{application_id}/verify",
                          data={"method": "phone", "note": "x"}).status_code in (403, 404)
    city = app.test_client()
    login(create_user(regions=("450100",)), city)
    assert "王小军" in city.get(f"/applications/{application_id}").get_data(as_text=True)


def test_dashboard_and_month_report_count_applications_verified_within_7_days(
        client, app, login, create_user):
    coordinator = create_user(regions=(COUNTY_A,))
    with app.app_context():
        from models import User
        from services.applications import review
        from tests.web.test_authorization_matrix import submit_application

        ids = []
        for number, day in enumerate((1, 2, 3, 20)):
            with clock.frozen(datetime(2026, 11, day, 2, 0, tzinfo=UTC)):
                ids.append(submit_application(app, COUNTY_A, f"1360000{number:04d}"))
        db.session.commit()
        actor = db.session.get(User, coordinator)
        for application_id, day in ((ids[0], 5), (ids[1], 12)):  # 4 days, then 10 days
            with clock.frozen(datetime(2026, 11, day, 2, 0, tzinfo=UTC)):
                review.verify(db.session, actor, db.session.get(Application, application_id),
                              {"method": "phone", "note": "已核实"})
        db.session.commit()
    login(coordinator)
    # On 11-24: #1 in time, #2 late, #3 over 7 days unverified, #4 still within its 7 days.
    when = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    with clock.frozen(when):
        totals = client.get("/dashboard/data").json["totals"]["applications"]
        page = client.get("/dashboard/").get_data(as_text=True)
        month = client.get("/dashboard/ledgers/month?month=2026-11&fmt=csv").get_data(
            as_text=True).splitlines()
    assert totals == {"received": 4, "waiting": 2, "due": 3, "verified_within_7_days": 1,
                      "verified_within_7_days_share": 0.333}
    assert 'data-figure="applications_share">33%<' in page
    assert month[1].split(",")[-3:] == ["4", "1", "33%"]
    assert month[-1].split(",")[-3:] == ["4", "1", "33%"]


def test_five_wrong_codes_end_the_code_and_the_form_stays_closed(client, app):
    with clock.frozen(T0):
        client.post("/apply/", data={"phone": PHONE})
        code = last_code(app, E164)
        for _ in range(5):
            page = client.post("/apply/code", data={"code": wrong(code)}).get_data(
                as_text=True)
        assert "错误次数过多" in page
        page = client.post("/apply/code", data={"code": code}).get_data(as_text=True)
        assert "错误次数过多" in page
        assert client.post("/apply/form", data=answers()).headers["Location"].endswith(
            "/apply/")


def test_a_taken_reference_is_drawn_again(client, app, monkeypatch):
    with clock.frozen(T0):
        first = apply(client, app)
    drawn = iter([first, "SB333333"])
    monkeypatch.setattr(intake, "new_reference", lambda: next(drawn))
    with clock.frozen(T0 + timedelta(minutes=2)):
        assert apply(client, app, child_name="王小红") == "SB333333"
