"""The child's file (一人一档): one timeline for the county's coordinators, filtered by
kind, printable with the screen's masking, every open audited."""

import re
from datetime import timedelta

from sqlalchemy import select

from core import clock
from extensions import db
from models import AuditEntry, Pair, User, Volunteer
from services.followups import cases, contacts, feedback
from services.registry import children
from tests.conftest import APPROVED_AT, COUNTY_B


def build_story(app, made):
    """A contact, a case taken through its steps and a guardian's feedback."""
    with app.app_context():
        volunteer = db.session.get(User, db.session.get(Volunteer, made["volunteer"]).user_id)
        coordinator = db.session.get(User, min(made["coordinators"]))
        pair = db.session.get(Pair, made["pair"])
        with clock.frozen(APPROVED_AT + timedelta(days=2)):
            contacts.log_contact(db.session, volunteer, pair, {
                "contact_date": "2026-12-03", "kind": "home_visit", "duration_minutes": 45,
                "child_mood": "worried", "notes": "奶奶说孩子晚上常哭"})
        with clock.frozen(APPROVED_AT + timedelta(days=3)):
            case = contacts.raise_concern(db.session, volunteer, made["child"], "safety",
                                          "孩子独自在河边玩", pair_id=pair.id)
        with clock.frozen(APPROVED_AT + timedelta(days=3, hours=1)):
            cases.acknowledge(db.session, coordinator, case)
            cases.refer(db.session, coordinator, case, {
                "referred_on": "2026-12-04", "department": "womens_federation",
                "contact_name": "覃主席", "contact_phone": "13600007777",
                "request": "安排家长学校课程"})
        with clock.frozen(APPROVED_AT + timedelta(days=4)):
            feedback.record_guardian(db.session, coordinator, pair, {
                "round": "three_months", "satisfaction": "4", "contact_frequency": "weekly",
                "child_trend": "better", "would_continue": "yes", "comment": "很感谢"})
        db.session.commit()


def entry_kinds(body: str) -> list[str]:
    return re.findall(r'data-entry="(\w+)"', body)


def test_the_file_tells_the_story_in_order_with_phones_masked(app, make_pair, login):
    made = make_pair()
    build_story(app, made)
    staff = login(min(made["coordinators"]), app.test_client())
    page = staff.get(f"/children/{made['child']}/file")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    kinds = entry_kinds(body)
    # consent (given 2026-01-10) first; then paired, the visit, the case, the feedback
    assert kinds[0] == "registry" and kinds.count("registry") == 2
    first = {kind: kinds.index(kind) for kind in ("pair", "contact", "case", "feedback")}
    assert first["pair"] < first["contact"] < first["case"] < first["feedback"]
    for words in ("韦丽华", "奶奶说孩子晚上常哭", "45 分钟", "孩子独自在河边玩", "妇联",
                  "安排家长学校课程", "很感谢", "结对获批（发给监护人）", "136****7777"):
        assert words in body, words
    assert "pair_approved_guardian" not in body  # SMS in words, never the code
    assert "13700001234" not in body and "13600007777" not in body
    with app.app_context():
        assert db.session.execute(select(AuditEntry.id).where(
            AuditEntry.action == "child.file", AuditEntry.record_id == made["child"])
        ).scalar_one()


def test_the_file_filters_by_kind_and_prints_with_the_same_masking(app, make_pair, login):
    made = make_pair()
    build_story(app, made)
    staff = login(min(made["coordinators"]), app.test_client())
    only = staff.get(f"/children/{made['child']}/file?kind=contact&kind=case")
    assert set(entry_kinds(only.get_data(as_text=True))) == {"contact", "case"}
    printed = staff.get(f"/children/{made['child']}/file?print=1").get_data(as_text=True)
    assert "print.css" in printed and "一人一档" in printed
    assert "137****1234" in printed and "13700001234" not in printed
    assert "奶奶说孩子晚上常哭" in printed
    with app.app_context():
        assert db.session.execute(select(AuditEntry.detail).where(
            AuditEntry.action == "child.file")).scalar_one() == {"kinds": ["case", "contact"]}
        assert db.session.execute(select(AuditEntry.id).where(
            AuditEntry.action == "child.file_print")).scalar_one()


def test_ended_pairs_and_withdrawn_consent_stay_in_the_file(app, make_pair, login):
    made = make_pair()
    with app.app_context():
        from services.pairs import lifecycle

        coordinator = db.session.get(User, min(made["coordinators"]))
        with clock.frozen(APPROVED_AT + timedelta(days=5)):
            lifecycle.end_pair(db.session, coordinator, db.session.get(Pair, made["pair"]),
                               "志愿者搬家", cause="volunteer_withdrew")
            from models import Child

            children.withdraw_consent(db.session, coordinator,
                                      db.session.get(Child, made["child"]))
        db.session.commit()
    staff = login(min(made["coordinators"]), app.test_client())
    body = staff.get(f"/children/{made['child']}/file").get_data(as_text=True)
    for words in ("结对结束", "爱心家长退出", "志愿者搬家", "撤回同意", "待重新结对"):
        assert words in body, words


def test_another_countys_file_is_not_found_and_volunteers_cannot_open_it(app, make_pair,
                                                                        login):
    made, other = make_pair(), make_pair(county=COUNTY_B)
    staff = login(min(made["coordinators"]), app.test_client())
    assert staff.get(f"/children/{other['child']}/file").status_code == 404
    with app.app_context():
        volunteer = db.session.get(Volunteer, made["volunteer"]).user_id
    assert login(volunteer, app.test_client()).get(
        f"/children/{made['child']}/file").status_code == 403
