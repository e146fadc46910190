"""Coordinators' opt-outs: only their counties' volunteers and guardians, never a
coordinator's or a local child-welfare contact's number; audited; undone from the outbox."""

from sqlalchemy import select

from extensions import db
from models import AuditEntry, Child, OptOut, User, Volunteer, WelfareContact
from services.sms import outbox
from tests.conftest import COUNTY_B

REMINDER = {"child_given_name": "小明", "due_date": "12月15日"}


def _phones(app, made):
    with app.app_context():
        coordinators = {db.session.get(User, uid).phone for uid in made["coordinators"]}
        others = db.session.execute(select(User.phone).where(
            User.role == "coordinator", User.id.notin_(made["coordinators"]))).scalars().all()
        return {"volunteer": db.session.get(Volunteer, made["volunteer"]).phone,
                "guardian": db.session.get(Child, made["child"]).guardian_phone,
                "own_coordinator": sorted(coordinators)[0], "other_coordinator": others[0]}


def _audit(app, action):
    with app.app_context():
        return db.session.execute(select(AuditEntry).where(AuditEntry.action == action)
                                  ).scalars().all()


def _opt_outs(app):
    with app.app_context():
        return db.session.execute(select(OptOut)).scalars().all()


def test_a_coordinator_opts_out_a_volunteer_of_their_county_audited(app, client, login,
                                                                    make_pair):
    made = make_pair()
    phones = _phones(app, made)
    with app.app_context():
        outbox.queue(db.session, [outbox.message_row(
            "reminder", "contact_due", "contact", "volunteer", phones["volunteer"],
            params=REMINDER)])
        db.session.commit()
    coordinator = min(made["coordinators"])
    login(coordinator)
    page = client.post("/followups/outbox/opt-out", data={
        "phone": phones["volunteer"][3:], "note": "本人电话要求"}, follow_redirects=True)
    assert "不再收到" in page.get_data(as_text=True)
    [record] = _opt_outs(app)
    assert record.source == "coordinator" and record.created_by_id == coordinator
    [entry] = _audit(app, "sms.opt_out")
    assert (entry.actor_id, entry.record_id, entry.detail["note"]) == (
        coordinator, record.id, "本人电话要求")
    with app.app_context():
        assert db.session.execute(select(outbox.OutboxMessage.status).where(
            outbox.OutboxMessage.key == "reminder")).scalar_one() == "skipped"
    page = client.get("/followups/outbox").get_data(as_text=True)
    assert "opt-outs" in page and "重新开启短信" in page


def test_a_guardian_of_the_county_may_be_opted_out(app, client, login, make_pair):
    made = make_pair()
    login(min(made["coordinators"]))
    client.post("/followups/outbox/opt-out", data={"phone": _phones(app, made)["guardian"]})
    assert len(_opt_outs(app)) == 1


def test_coordinators_and_local_contacts_and_other_counties_cannot_be_opted_out(
        app, client, login, make_pair, create_volunteer):
    made = make_pair()
    phones = _phones(app, made)
    with app.app_context():
        db.session.add(WelfareContact(child_id=made["child"], role="child_director",
                                      name="村儿童主任", phone="+8613600001111"))
        db.session.commit()
    elsewhere = create_volunteer(status="pending", region_code=COUNTY_B)
    with app.app_context():
        phone_elsewhere = db.session.get(Volunteer, elsewhere).phone
    login(min(made["coordinators"]))
    refused = {
        phones["other_coordinator"]: "协调员或儿童主任",
        phones["own_coordinator"]: "协调员或儿童主任",
        "+8613600001111": "协调员或儿童主任",
        phone_elsewhere: "不是您所辖县",
        "+8613500009999": "不是您所辖县",
    }
    for phone, words in refused.items():
        page = client.post("/followups/outbox/opt-out", data={"phone": phone},
                           follow_redirects=True).get_data(as_text=True)
        assert words in page, phone
    assert _opt_outs(app) == [] and _audit(app, "sms.opt_out") == []


def test_an_opt_out_is_undone_from_the_outbox_page_audited(app, client, login, make_pair,
                                                           create_user):
    made = make_pair()
    phones = _phones(app, made)
    coordinator = min(made["coordinators"])
    login(coordinator)
    client.post("/followups/outbox/opt-out", data={"phone": phones["volunteer"]})
    [record] = _opt_outs(app)
    outsider = app.test_client()
    login(create_user(regions=(COUNTY_B,)), outsider)
    assert outsider.post(f"/followups/outbox/opt-outs/{record.id}/undo").status_code == 404
    assert len(_opt_outs(app)) == 1
    page = client.post(f"/followups/outbox/opt-outs/{record.id}/undo", follow_redirects=True)
    assert "重新开启" in page.get_data(as_text=True)
    assert _opt_outs(app) == []
    [entry] = _audit(app, "sms.opt_out_undone")
    assert (entry.actor_id, entry.record_id) == (coordinator, record.id)


def test_a_reply_opt_out_is_shown_but_not_undone_by_a_coordinator(app, client, login,
                                                                   make_pair):
    from services.sms import sender

    made = make_pair()
    with app.app_context():
        sender.apply_reply(db.session, _phones(app, made)["volunteer"], "T")
        db.session.commit()
    [record] = _opt_outs(app)
    login(min(made["coordinators"]))
    page = client.get("/followups/outbox").get_data(as_text=True)
    assert "本人回复" in page and "重新开启短信" not in page
    assert client.post(f"/followups/outbox/opt-outs/{record.id}/undo").status_code == 404
