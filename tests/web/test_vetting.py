import pytest

from extensions import db
from models import User, Volunteer


def _status(app, volunteer_id):
    with app.app_context():
        return db.session.get(Volunteer, volunteer_id).status


def _check(client, volunteer_id):
    return client.post(f"/volunteers/{volunteer_id}/checks", data={
        "certificate_no": "桂公(横)无犯2026-88", "issuing_office": "横县公安局",
        "issued_on": "2026-10-01"})


def test_vetting_needs_a_recorded_check(client, app, create_user, create_volunteer, login):
    login(create_user())
    volunteer_id = create_volunteer()
    client.post(f"/volunteers/{volunteer_id}/vet")
    assert _status(app, volunteer_id) == "pending"
    assert _check(client, volunteer_id).status_code == 302
    client.post(f"/volunteers/{volunteer_id}/vet")
    assert _status(app, volunteer_id) == "vetted"
    with app.app_context():
        check = db.session.get(Volunteer, volunteer_id).checks[0]
        assert check.certificate_no == "桂公(横)无犯2026-88"
        assert check.checked_by.role == "coordinator"


def test_check_date_in_future_is_refused(client, app, create_user, create_volunteer, login):
    login(create_user())
    volunteer_id = create_volunteer()
    client.post(f"/volunteers/{volunteer_id}/checks", data={
        "certificate_no": "X", "issuing_office": "Y", "issued_on": "2099-01-01"})
    with app.app_context():
        assert db.session.get(Volunteer, volunteer_id).checks == []


def test_reject_needs_reason_and_is_final(client, app, create_user, create_volunteer, login):
    login(create_user())
    volunteer_id = create_volunteer()
    client.post(f"/volunteers/{volunteer_id}/reject", data={"reason": ""})
    assert _status(app, volunteer_id) == "pending"
    client.post(f"/volunteers/{volunteer_id}/reject", data={"reason": "证明材料不全"})
    assert _status(app, volunteer_id) == "rejected"
    _check(client, volunteer_id)
    client.post(f"/volunteers/{volunteer_id}/vet")
    assert _status(app, volunteer_id) == "rejected"


def test_suspend_blocks_login_and_reinstate(client, app, create_user, create_volunteer, login):
    coordinator = create_user()
    volunteer_id = create_volunteer(status="vetted", actor_id=coordinator)
    volunteer_client = app.test_client()
    with app.app_context():
        user_id = db.session.get(Volunteer, volunteer_id).user_id
    login(user_id, volunteer_client)
    assert volunteer_client.get("/volunteers/me").status_code == 200
    login(coordinator)
    client.post(f"/volunteers/{volunteer_id}/suspend", data={"reason": "家长投诉"})
    assert _status(app, volunteer_id) == "suspended"
    # The suspended volunteer's session ends at once.
    assert volunteer_client.get("/volunteers/me").status_code == 302
    client.post(f"/volunteers/{volunteer_id}/reinstate")
    assert _status(app, volunteer_id) == "vetted"
    with app.app_context():
        assert db.session.get(User, user_id).active


@pytest.mark.parametrize("verb", ["vet", "reject", "suspend", "reinstate", "checks"])
def test_volunteers_cannot_vet(client, app, create_user, create_volunteer, login, verb):
    volunteer_id = create_volunteer()
    with app.app_context():
        user_id = db.session.get(Volunteer, volunteer_id).user_id
    login(user_id)
    assert client.post(f"/volunteers/{volunteer_id}/{verb}", data={"reason": "x"}).status_code \
        == 403
