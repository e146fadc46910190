"""Protection cases: report, acknowledge (and the region ladder when nobody does), assess,
refer, close — with a frozen clock, through the pages a volunteer and a coordinator use."""

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from core import clock
from extensions import db
from models import AuditEntry, CaseEvent, CaseReferral, Concern, User, Volunteer
from services.followups import cases, contacts
from tests.conftest import COUNTY_B
from tests.web.test_escalation_ladder import set_child_contact
from tests.web.test_followups import local, outbox, sweep_at

REPORTED = local(date(2026, 12, 2), 23, 0)  # late at night: alerts must not wait
PROVINCE_A = "450000"


@pytest.fixture
def world(app, make_pair, create_user):
    made = make_pair(township="六景镇石井村")
    made["province"] = create_user(regions=(PROVINCE_A,))
    made["county_coordinator"] = min(made["coordinators"])
    made["city_coordinator"] = max(made["coordinators"])
    with app.app_context():
        made["volunteer_user"] = db.session.get(Volunteer, made["volunteer"]).user_id
    return made


def raise_case(app, world, at=REPORTED, immediate=False):
    with app.app_context(), clock.frozen(at):
        case = contacts.raise_concern(
            db.session, db.session.get(User, world["volunteer_user"]), world["child"],
            "abuse_neglect", "孩子身上有伤", pair_id=world["pair"], immediate_danger=immediate)
        db.session.commit()
        return case.id


def ladder_messages(app):
    return [(m.key.split(":")[3], m.recipient_user_id)
            for m in outbox(app, template="case_unacknowledged")]


def test_unacknowledged_case_climbs_county_city_province_once_each(app, world):
    raise_case(app, world)
    county, city, province = (world["county_coordinator"], world["city_coordinator"],
                              world["province"])
    for hours in (0, 12, 23.9):  # inside the 24-hour window: nothing
        sweep_at(app, REPORTED + timedelta(hours=hours))
    assert ladder_messages(app) == []
    for hours in (24, 24.1, 30):
        sweep_at(app, REPORTED + timedelta(hours=hours))
    assert ladder_messages(app) == [("county", county)]
    for hours in (48, 49, 72, 72.5, 200):
        sweep_at(app, REPORTED + timedelta(hours=hours))
    assert ladder_messages(app) == [("county", county), ("city", city), ("province", province)]
    assert Counter(ladder_messages(app)).most_common(1)[0][1] == 1
    [to_city] = [m for m in outbox(app, template="case_unacknowledged")
                 if m.recipient_user_id == city]
    assert to_city.params == {"county": "横县", "kind": "疑似虐待或忽视", "hours": "48"}
    assert to_city.not_before <= REPORTED + timedelta(hours=48)  # not held till morning
    with app.app_context():
        events = db.session.execute(select(CaseEvent.kind, CaseEvent.detail).order_by(
            CaseEvent.id)).all()
    assert [(k, d.get("rung")) for k, d in events] == [
        ("reported", None), ("escalated", "county"), ("escalated", "city"),
        ("escalated", "province")]


def test_a_missed_sweep_still_alerts_every_rung_reached_once(app, world):
    raise_case(app, world)
    sweep_at(app, REPORTED + timedelta(hours=50))
    sweep_at(app, REPORTED + timedelta(hours=50))
    assert [rung for rung, _ in ladder_messages(app)] == ["county", "city"]


def test_acknowledging_stops_the_ladder(app, world, login):
    case_id = raise_case(app, world)
    sweep_at(app, REPORTED + timedelta(hours=25))
    staff = login(world["county_coordinator"], app.test_client())
    with clock.frozen(REPORTED + timedelta(hours=26)):
        staff.post(f"/followups/concerns/{case_id}/acknowledge")
    for hours in (48, 72, 96):
        sweep_at(app, REPORTED + timedelta(hours=hours))
    assert [rung for rung, _ in ladder_messages(app)] == ["county"]


def test_immediate_danger_window_follows_the_settings(app, world):
    with app.app_context():
        from services.settings import get_settings

        get_settings(db.session).ack_hours_immediate = 1
        db.session.commit()
    raise_case(app, world, immediate=True)
    sweep_at(app, REPORTED + timedelta(minutes=59))
    assert ladder_messages(app) == []
    sweep_at(app, REPORTED + timedelta(minutes=61))
    sweep_at(app, REPORTED + timedelta(minutes=121))
    assert [rung for rung, _ in ladder_messages(app)] == ["county", "city"]


def test_immediate_danger_report_says_call_110_and_alerts_coordinators_and_local_contact(
        app, world, login):
    set_child_contact(app, world["county_coordinator"], world["child"])
    volunteer = login(world["volunteer_user"], app.test_client())
    with clock.frozen(REPORTED):
        page = volunteer.post(f"/followups/pairs/{world['pair']}/report", data={
            "immediate_danger": "y", "kind": "abuse_neglect", "text": "孩子被关在门外，哭喊",
            "occurred_on": "2026-12-02", "place": "石井村家中"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "data-call-110" in body and 'href="tel:110"' in body
    assert "请立即拨打110" in body
    danger = outbox(app, template="case_immediate_danger")
    assert {m.recipient_user_id for m in danger} == world["coordinators"] | {world["province"]}
    [local_alert] = outbox(app, template="case_danger_local_contact")
    assert local_alert.audience == "local_contact" and local_alert.to_phone == "+8613600001111"
    assert all(m.not_before <= REPORTED for m in danger + [local_alert])
    with app.app_context():
        case = db.session.execute(select(Concern)).scalar_one()
        assert (case.immediate_danger, case.reporter_kind, case.place) == (
            True, "volunteer", "石井村家中")
        assert case.ack_due_at == REPORTED + timedelta(hours=2)
    # The mandatory alerts are mandatory: never held by quiet hours or the daily cap.
    from services.sms.templates import MANDATORY

    assert {m.priority for m in danger + [local_alert]} == {MANDATORY}


def test_a_plain_report_has_no_110_page(app, world, login):
    volunteer = login(world["volunteer_user"], app.test_client())
    page = volunteer.post(f"/followups/pairs/{world['pair']}/report", data={
        "kind": "dropout", "text": "说下学期不上学了"})
    assert page.status_code == 302
    assert outbox(app, template="case_immediate_danger") == []
    refused = volunteer.post(f"/followups/pairs/{world['pair']}/report", data={
        "kind": "dropout", "text": ""})
    assert refused.status_code == 200 and "is-invalid" in refused.get_data(as_text=True)


def test_coordinator_records_a_guardians_call_and_needs_the_callers_name(app, world, login):
    staff = login(world["county_coordinator"], app.test_client())
    path = f"/followups/children/{world['child']}/report"
    data = {"kind": "safety", "text": "奶奶来电：孩子两天没回家", "reporter_kind": "guardian",
            "reporter_name": ""}
    assert "is-invalid" in staff.post(path, data=data).get_data(as_text=True)
    assert staff.post(path, data={**data, "reporter_name": "黄奶奶"}).status_code == 302
    with app.app_context():
        case = db.session.execute(select(Concern)).scalar_one()
        assert (case.reporter_kind, case.reporter_name, case.raised_by_id) == (
            "guardian", "黄奶奶", world["county_coordinator"])


def test_the_five_steps_in_order_each_audited_and_kept_after_closing(app, world, login):
    case_id = raise_case(app, world)
    staff = login(world["county_coordinator"], app.test_client())
    base = f"/followups/concerns/{case_id}"
    at = REPORTED + timedelta(hours=1)
    with clock.frozen(at):
        # Nothing but acknowledging comes first.
        staff.post(f"{base}/assess", data={"risk_level": "high", "plan": "x",
                                           "next_review_on": "2026-12-09"})
        assert staff.post(f"{base}/acknowledge").status_code == 302
        assert staff.post(f"{base}/acknowledge").status_code == 302  # a second time: refused
        staff.post(f"{base}/assess", data={"risk_level": "high", "plan": "联系派出所，安排临时照料",
                                           "next_review_on": "2026-12-09"})
        for department, phone in (("public_security", "0771-7022110"),
                                  ("womens_federation", "13600009999")):
            staff.post(f"{base}/referrals", data={
                "referred_on": "2026-12-03", "department": department, "contact_name": "李警官",
                "contact_phone": phone, "request": "上门核实",
                "guardianship_intervention": "y" if department == "public_security" else ""})
        with app.app_context():
            referrals = db.session.execute(select(CaseReferral).order_by(
                CaseReferral.id)).scalars().all()
            ids = [r.id for r in referrals]
            assert [r.department for r in referrals] == ["public_security",
                                                         "womens_federation"]
            assert [r.guardianship_intervention for r in referrals] == [True, False]
            stored = db.session.execute(text(
                "SELECT contact_phone FROM case_referrals ORDER BY id")).scalars().all()
            assert "0771-7022110" not in stored[0]  # encrypted at rest
        for referral_id in ids:
            staff.post(f"{base}/referrals/{referral_id}/outcome", data={
                f"referral{referral_id}-outcome": "已出警，孩子安全",
                f"referral{referral_id}-outcome_on": "2026-12-03"})
        staff.post(f"{base}/close", data={"close-outcome": "孩子由姑姑照看",
                                          "close-close_reason": ""})
        with app.app_context():
            assert db.session.get(Concern, case_id).status == "open"  # a reason is needed
        staff.post(f"{base}/close", data={"close-outcome": "孩子由姑姑照看",
                                          "close-close_reason": "监护已落实，每周回访"})
        page = staff.get(base).get_data(as_text=True)
    with app.app_context():
        case = db.session.get(Concern, case_id)
        assert (case.status, case.step, case.risk_level) == ("closed", "closed", "high")
        assert [r.outcome for r in case.referrals] == ["已出警，孩子安全"] * 2
        kinds = [e.kind for e in case.events]
        assert kinds == ["reported", "acknowledged", "assessed", "referred", "referred",
                         "referral_outcome", "referral_outcome", "closed"]
        audited = db.session.execute(select(AuditEntry.action).where(
            AuditEntry.record_type == "concern").order_by(AuditEntry.id)).scalars().all()
        assert [a for a in audited if a != "case.view"] == [f"case.{k}" for k in kinds]
    assert "data-closed" in page and "监护已落实，每周回访" in page
    with clock.frozen(at):
        assert staff.post(f"{base}/assess", data={"risk_level": "low", "plan": "x",
                                                  "next_review_on": "2026-12-20"}).status_code \
            == 302
    with app.app_context():
        assert db.session.get(Concern, case_id).risk_level == "high"  # closed: unchanged


def test_another_countys_case_is_not_found(app, world, make_pair, login):
    other = make_pair(county=COUNTY_B)
    with app.app_context():
        volunteer = db.session.get(User, db.session.get(Volunteer, other["volunteer"]).user_id)
        case_id = contacts.raise_concern(db.session, volunteer, other["child"], "safety",
                                         "测试").id
        db.session.commit()
    staff = login(world["county_coordinator"], app.test_client())
    base = f"/followups/concerns/{case_id}"
    for path in (base, f"{base}/form"):
        assert staff.get(path).status_code == 404
    for path in ("acknowledge", "assess", "referrals", "referrals/1/outcome", "close"):
        assert staff.post(f"{base}/{path}").status_code == 404, path
    assert staff.get(f"/followups/children/{other['child']}/report").status_code == 404


def test_home_alert_links_to_the_case(app, world, login):
    case_id = raise_case(app, world, immediate=True)
    staff = login(world["county_coordinator"], app.test_client())
    home = staff.get("/").get_data(as_text=True)
    assert f'href="/followups/concerns/{case_id}"' in home and "data-case-alert" in home


def test_printable_report_form_is_filled_from_the_case(app, world, login):
    case_id = raise_case(app, world, immediate=True)
    staff = login(world["county_coordinator"], app.test_client())
    with clock.frozen(REPORTED + timedelta(hours=1)):
        staff.post(f"/followups/concerns/{case_id}/acknowledge")
        staff.post(f"/followups/concerns/{case_id}/referrals", data={
            "referred_on": "2026-12-03", "department": "public_security",
            "request": "上门核实"})
        page = staff.get(f"/followups/concerns/{case_id}/form")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "强制报告登记表" in body
    for expected in ("黄小明", "孩子身上有伤", "上门核实", "137****1234"):
        assert expected in body
    assert "13700001234" not in body  # the guardian's number is masked as on screen
    with app.app_context():
        assert db.session.execute(select(AuditEntry.id).where(
            AuditEntry.action == "case.print")).scalar_one()


def test_existing_concern_api_closes_the_case(app, world):
    case_id = raise_case(app, world)
    with app.app_context():
        actor = db.session.get(User, world["county_coordinator"])
        contacts.act_on_concern(db.session, actor, db.session.get(Concern, case_id), "已处理")
        db.session.commit()
        case = db.session.get(Concern, case_id)
        assert (case.status, case.step, case.action, case.close_reason) == (
            "closed", "closed", "已处理", "已处理")
        assert case.acknowledged_by_id == actor.id


def test_ack_hours_are_programme_settings(app, world, create_user, login):
    admin = login(create_user(role="admin"), app.test_client())
    form = {"contact_interval_days": 14, "visit_interval_days": 30, "second_reminder_days": 3,
            "local_contact_days": 7, "escalation_days": 14, "quiet_start": 21, "quiet_end": 8,
            "check_validity_months": 12}
    assert "is-invalid" in admin.post("/followups/settings", data={
        **form, "ack_hours_immediate": 0, "ack_hours_other": 24}).get_data(as_text=True)
    admin.post("/followups/settings", data={**form, "ack_hours_immediate": 3,
                                            "ack_hours_other": 12})
    with app.app_context():
        from services.settings import get_settings

        settings = get_settings(db.session)
        assert (settings.ack_hours_immediate, settings.ack_hours_other) == (3, 12)
        assert cases.ack_window(settings, True) == timedelta(hours=3)

