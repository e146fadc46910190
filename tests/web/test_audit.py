"""The audit log: each audited action writes a row; rows cannot be changed or deleted."""

import io

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from extensions import db
from models import AuditEntry, Child, Proposal
from services.shared.idcard import check_char
from tests.conftest import COUNTY_A, COUNTY_B, child_data

ID_NUMBER = "45012720150302123" + check_char("45012720150302123")


def actions(app, record_type=None):
    with app.app_context():
        stmt = select(AuditEntry.action, AuditEntry.record_id, AuditEntry.actor_id,
                      AuditEntry.ip).order_by(AuditEntry.id)
        if record_type:
            stmt = stmt.where(AuditEntry.record_type == record_type)
        return db.session.execute(stmt).all()


def test_child_record_accesses_are_audited(client, app, create_user, login):
    coordinator = create_user()
    login(coordinator)
    client.post("/children/new", data=child_data(id_number=ID_NUMBER),
                environ_base={"REMOTE_ADDR": "10.0.0.7"})
    with app.app_context():
        child_id = db.session.execute(select(Child.id)).scalar_one()
    client.get("/children/")
    client.get(f"/children/{child_id}")
    client.post(f"/children/{child_id}/edit", data=child_data(priority="high"))
    client.post(f"/children/{child_id}/consent", data={
        "given_by": "黄奶奶", "relation": "grandparent", "method": "paper",
        "given_on": "2026-01-10"})
    client.post(f"/children/{child_id}/consent/withdraw")
    revealed = client.post(f"/children/{child_id}/reveal/id_number").get_data(as_text=True)
    assert ID_NUMBER in revealed
    phone = client.post(f"/children/{child_id}/reveal/guardian_phone").get_data(as_text=True)
    assert "+8613700001234" in phone
    assert ID_NUMBER not in client.get(f"/children/{child_id}").get_data(as_text=True)
    rows = actions(app, "child")
    assert [r.action for r in rows] == [
        "child.create", "child.list", "child.view", "child.update", "child.consent",
        "child.consent_withdraw", "child.reveal_id", "child.reveal_phone", "child.view"]
    assert {r.actor_id for r in rows} == {coordinator} and rows[0].ip == "10.0.0.7"
    history = client.get(f"/children/{child_id}/history").get_data(as_text=True)
    assert "显示身份证号" in history and "10.0.0.7" in history


def test_imports_vetting_and_approvals_are_audited(client, app, create_user, login,
                                                   create_volunteer, make_pair):
    from services.imports import CHILD_COLUMNS

    coordinator = create_user()
    login(coordinator)
    ledger = ",".join(CHILD_COLUMNS) + "\nC1,黄小明,M,2015-03-02,450127,,,left_behind," \
        "academic,urgent,黄奶奶,13700001234,grandparent\n"
    client.post("/children/import", data={"file": (io.BytesIO(ledger.encode()), "a.csv")},
                content_type="multipart/form-data")
    volunteer = create_volunteer()
    client.post(f"/volunteers/{volunteer}/checks", data={
        "certificate_no": "N1", "issuing_office": "横县公安局", "issued_on": "2026-10-01"})
    client.post(f"/volunteers/{volunteer}/vet")
    make_pair()
    done = {r.action for r in actions(app)}
    assert {"children.import", "volunteer.check", "volunteer.vet", "pair.approve"} <= done


def test_history_is_scoped_and_not_for_volunteers(client, app, create_user, create_child,
                                                  login, create_volunteer):
    other = create_user(regions=(COUNTY_B,))
    child_b = create_child(other, region_code=COUNTY_B)
    login(create_user(regions=(COUNTY_A,)))
    assert client.get(f"/children/{child_b}/history").status_code == 404
    assert client.post(f"/children/{child_b}/reveal/id_number").status_code == 404
    volunteer_client = app.test_client()
    with app.app_context():
        from models import Volunteer

        login(db.session.get(Volunteer, create_volunteer()).user_id, volunteer_client)
    assert volunteer_client.get(f"/children/{child_b}/history").status_code == 403


@pytest.mark.parametrize("statement", ["UPDATE audit_entries SET action = 'x'",
                                       "DELETE FROM audit_entries"])
def test_the_database_refuses_to_change_the_log(app, create_user, create_child, statement):
    create_child(create_user())
    with app.app_context():
        assert db.session.execute(select(AuditEntry)).first() is not None
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_api_child_views_are_audited(client, app, create_user, create_child):
    from models import User
    from services.access import api_tokens

    coordinator = create_user()
    child_id = create_child(coordinator)
    with app.app_context():
        token, _ = api_tokens.create_token(db.session, db.session.get(User, coordinator), "t")
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    client.get(f"/api/v1/children/{child_id}", headers=headers)
    client.get("/api/v1/children", headers=headers)
    assert [r.action for r in actions(app, "child")][-2:] == ["child.view", "child.list"]
    assert Proposal  # (models import kept for readers: approvals are audited as pairs)


def test_volunteer_phone_reveal_is_audited(client, app, create_user, create_volunteer, login):
    login(create_user())
    volunteer = create_volunteer(phone="13900004444")
    page = client.get(f"/volunteers/{volunteer}").get_data(as_text=True)
    assert "13900004444" not in page and "139****4444" in page
    revealed = client.post(f"/volunteers/{volunteer}/reveal-phone").get_data(as_text=True)
    assert "+8613900004444" in revealed
    assert [r.action for r in actions(app, "volunteer")][-1] == "volunteer.reveal_phone"
