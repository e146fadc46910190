from sqlalchemy import select

from core import crypto
from extensions import db
from models import Child
from services.shared.idcard import check_char
from tests.conftest import child_data

ID_NUMBER = "45012720150302123" + check_char("45012720150302123")


def test_register_child_with_consent_and_masked_id(client, app, create_user, login):
    login(create_user())
    data = child_data(id_number=ID_NUMBER, consent_given="y", consent_given_by="黄奶奶",
                      consent_method="paper", consent_given_on="2026-01-10")
    response = client.post("/children/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        child = db.session.execute(select(Child)).scalar_one()
        assert child.has_consent
        assert ID_NUMBER not in (child.id_number_encrypted or "")
        assert crypto.decrypt(child.id_number_encrypted) == ID_NUMBER
        child_id = child.id
    page = client.get(f"/children/{child_id}").get_data(as_text=True)
    assert ID_NUMBER not in page and ID_NUMBER[:14] not in page
    assert "*" * 14 + ID_NUMBER[-4:] in page
    assert "137****1234" in page and "13700001234" not in page


def test_bad_id_number_checksum_is_refused(client, app, create_user, login):
    login(create_user())
    bad = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
    response = client.post("/children/new", data=child_data(id_number=bad))
    assert response.status_code == 200
    with app.app_context():
        assert db.session.execute(select(Child)).first() is None


def test_child_without_consent_is_flagged(client, app, create_user, create_child, login):
    coordinator = create_user()
    child_id = create_child(coordinator, consent=False)
    login(coordinator)
    page = client.get(f"/children/{child_id}").get_data(as_text=True)
    assert "alert-danger" in page
    client.post(f"/children/{child_id}/consent", data={
        "given_by": "黄奶奶", "relation": "grandparent", "method": "in_person",
        "given_on": "2026-02-01"})
    with app.app_context():
        assert db.session.get(Child, child_id).has_consent
    client.post(f"/children/{child_id}/consent/withdraw")
    with app.app_context():
        child = db.session.get(Child, child_id)
        assert not child.has_consent and child.consents[0].withdrawn_at is not None


def test_edit_keeps_id_number_when_left_empty(client, app, create_user, create_child, login):
    coordinator = create_user()
    child_id = create_child(coordinator, id_number=ID_NUMBER)
    login(coordinator)
    response = client.post(f"/children/{child_id}/edit",
                           data=child_data(priority="high", id_number=""))
    assert response.status_code == 302
    with app.app_context():
        child = db.session.get(Child, child_id)
        assert child.priority == "high"
        assert crypto.decrypt(child.id_number_encrypted) == ID_NUMBER


def test_form_ignores_fields_it_does_not_list(client, app, create_user, create_child, login):
    coordinator = create_user()
    child_id = create_child(coordinator)
    login(coordinator)
    client.post(f"/children/{child_id}/edit",
                data=child_data(created_by_id="999", external_id="HACK"))
    with app.app_context():
        child = db.session.get(Child, child_id)
        assert child.external_id is None and child.created_by_id == coordinator
