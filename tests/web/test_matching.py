"""Matching runs from the web and the command line, review and approval."""

import csv
import io
import json

from sqlalchemy import func, select

from extensions import db
from models import MatchRun, Pair, Proposal, UnpairedChild, Volunteer
from tests.conftest import COUNTY_A, COUNTY_B


def count(app, model, *where):
    with app.app_context():
        return db.session.execute(
            select(func.count()).select_from(model).where(*where)).scalar_one()


def setup_county(create_user, create_volunteer, create_child):
    coordinator = create_user(regions=(COUNTY_A,))
    volunteer = create_volunteer(status="vetted", actor_id=coordinator, capacity="1",
                                 skills=["academic"])
    urgent = create_child(coordinator, name="黄急急", priority="urgent", needs=["academic"])
    normal = create_child(coordinator, name="黄一般", priority="normal", needs=["academic"])
    no_consent = create_child(coordinator, name="黄无同意", consent=False, needs=["academic"])
    return coordinator, volunteer, urgent, normal, no_consent


def test_run_from_the_web_proposes_and_explains(client, app, login, create_user,
                                                create_volunteer, create_child):
    coordinator, volunteer, urgent, normal, no_consent = setup_county(
        create_user, create_volunteer, create_child)
    login(coordinator)
    response = client.post("/matching/runs", data={"region_code": COUNTY_A})
    assert response.status_code == 302
    run_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    status = client.get(f"/matching/runs/{run_id}/status").get_json()
    assert status["status"] == "done" and status["progress"] == 1.0
    assert status["stats"]["children"] == 2  # the child without consent is not considered
    with app.app_context():
        proposal = db.session.execute(select(Proposal)).scalar_one()
        assert (proposal.child_id, proposal.volunteer_id) == (urgent, volunteer)
        reason = db.session.execute(select(UnpairedChild.reason)).scalar_one()
        assert reason == "at_capacity"
    page = client.get(f"/matching/runs/{run_id}").get_data(as_text=True)
    assert "黄急急" in page and "黄一般" in page and "黄无同意" not in page


def test_approve_creates_pair_and_volunteer_sees_minimum(client, app, login, create_user,
                                                         create_volunteer, create_child):
    coordinator, volunteer, urgent, _, _ = setup_county(create_user, create_volunteer,
                                                        create_child)
    login(coordinator)
    client.post("/matching/runs", data={"region_code": COUNTY_A})
    with app.app_context():
        proposal_id = db.session.execute(select(Proposal.id)).scalar_one()
    assert client.post(f"/matching/proposals/{proposal_id}/approve").status_code == 302
    assert count(app, Pair, Pair.status == "active") == 1
    with app.app_context():
        assert db.session.get(Volunteer, volunteer).active_pairs == 1
        user_id = db.session.get(Volunteer, volunteer).user_id
    # Approving twice does nothing more.
    client.post(f"/matching/proposals/{proposal_id}/approve")
    assert count(app, Pair) == 1
    volunteer_client = app.test_client()
    login(user_id, volunteer_client)
    page = volunteer_client.get("/volunteers/me").get_data(as_text=True)
    assert "急急" in page and "黄急急" not in page  # given name only
    assert "+8613700001234" in page  # the guardian's phone, to call
    assert "黄一般" not in page and "急" in page
    assert volunteer_client.get(f"/children/{urgent}").status_code == 403


def test_reject_is_remembered_by_later_runs(client, app, login, create_user, create_volunteer,
                                            create_child):
    coordinator, volunteer, urgent, normal, _ = setup_county(create_user, create_volunteer,
                                                             create_child)
    login(coordinator)
    client.post("/matching/runs", data={"region_code": COUNTY_A})
    with app.app_context():
        first = db.session.execute(select(Proposal)).scalar_one()
        first_id, first_child = first.id, first.child_id
    client.post(f"/matching/proposals/{first_id}/reject",
                data={"cause": "too_far", "reason": "距离太远"})
    client.post("/matching/runs", data={"region_code": COUNTY_A})
    with app.app_context():
        latest = db.session.execute(select(Proposal).where(Proposal.status == "open")
                                    ).scalar_one()
        assert latest.child_id == normal != first_child


def test_new_run_withdraws_open_proposals(client, app, login, create_user, create_volunteer,
                                          create_child):
    coordinator, *_ = setup_county(create_user, create_volunteer, create_child)
    login(coordinator)
    client.post("/matching/runs", data={"region_code": COUNTY_A})
    client.post("/matching/runs", data={"region_code": COUNTY_A})
    assert count(app, Proposal, Proposal.status == "withdrawn") == 1
    assert count(app, Proposal, Proposal.status == "open") == 1


def test_bulk_approve_reports_conflicts(client, app, login, create_user, create_volunteer,
                                        create_child):
    coordinator = create_user(regions=(COUNTY_A,))
    create_volunteer(status="vetted", actor_id=coordinator, capacity="2", skills=["academic"])
    for name in ("甲一", "甲二"):
        create_child(coordinator, name=name, needs=["academic"])
    login(coordinator)
    client.post("/matching/runs", data={"region_code": COUNTY_A})
    with app.app_context():
        ids = db.session.execute(select(Proposal.id)).scalars().all()
    assert len(ids) == 2
    client.post(f"/matching/runs/{_last_run(app)}/approve",
                data={"proposal_ids": [str(i) for i in ids], "confirmed": "yes"})
    assert count(app, Pair, Pair.status == "active") == 2


def _last_run(app):
    with app.app_context():
        return db.session.execute(select(func.max(MatchRun.id))).scalar_one()


def test_end_pair_frees_both(client, app, login, create_user, create_volunteer, create_child):
    coordinator, volunteer, *_ = setup_county(create_user, create_volunteer, create_child)
    login(coordinator)
    client.post("/matching/runs", data={"region_code": COUNTY_A})
    with app.app_context():
        proposal_id = db.session.execute(select(Proposal.id)).scalar_one()
    client.post(f"/matching/proposals/{proposal_id}/approve")
    with app.app_context():
        pair_id = db.session.execute(select(Pair.id)).scalar_one()
    client.post(f"/matching/pairs/{pair_id}/end", data={"reason": ""})
    assert count(app, Pair, Pair.status == "active") == 1
    client.post(f"/matching/pairs/{pair_id}/end", data={"reason": "志愿者搬家"})
    assert count(app, Pair, Pair.status == "ended") == 1
    with app.app_context():
        assert db.session.get(Volunteer, volunteer).active_pairs == 0


def test_other_county_cannot_see_or_decide(client, app, login, create_user, create_volunteer,
                                           create_child):
    coordinator, *_ = setup_county(create_user, create_volunteer, create_child)
    login(coordinator)
    client.post("/matching/runs", data={"region_code": COUNTY_A})
    run_id = _last_run(app)
    with app.app_context():
        proposal_id = db.session.execute(select(Proposal.id)).scalar_one()
    other = app.test_client()
    login(create_user(regions=(COUNTY_B,)), other)
    assert other.get(f"/matching/runs/{run_id}").status_code == 404
    assert other.get(f"/matching/runs/{run_id}/status").status_code == 404
    assert other.post(f"/matching/proposals/{proposal_id}/approve").status_code == 404
    assert other.post("/matching/runs", data={"region_code": COUNTY_A}).status_code == 302
    assert count(app, MatchRun) == 1  # refused: B does not cover A
    assert count(app, Pair) == 0


def test_rules_page_is_published(client, login, create_user):
    login(create_user())
    page = client.get("/matching/rules").get_data(as_text=True)
    assert "6371.0" in page and "60" in page and "40" in page


def test_a_process_loads_the_kernels_beside_its_first_run(runner, app, create_user,
                                                          create_volunteer, create_child,
                                                          monkeypatch):
    import threading
    import time

    from services.matching.engine import engine as engine_module

    setup_county(create_user, create_volunteer, create_child)
    loaded_on = []
    monkeypatch.setattr(engine_module, "_warming_started", False)  # a new process
    monkeypatch.setattr(engine_module, "warm_up",
                        lambda: loaded_on.append(threading.current_thread().name))
    for _ in range(2):
        assert runner.invoke(args=["match", "run", "--region", "450100"]).exit_code == 0
    for _ in range(100):
        if loaded_on:
            break
        time.sleep(0.05)
    assert loaded_on == ["match-warm-up"]  # on a thread of its own, once


def test_cli_run_export_approve(runner, app, create_user, create_volunteer, create_child):
    from models import Child

    create_user(role="admin")
    coordinator, volunteer, urgent, *_ = setup_county(create_user, create_volunteer,
                                                      create_child)
    with app.app_context():
        db.session.get(Child, urgent).external_id = "C-URGENT"
        db.session.get(Volunteer, volunteer).external_id = "V-1"
        db.session.commit()
    result = runner.invoke(args=["match", "run", "--region", "450100"])
    assert result.exit_code == 0, result.output
    line = json.loads(result.output.strip().splitlines()[-1])
    assert {"run_id", "children", "volunteers", "candidates", "proposed", "seconds"} <= set(line)
    assert (line["children"], line["volunteers"], line["proposed"]) == (2, 1, 1)
    exported = runner.invoke(args=["match", "export", str(line["run_id"])])
    rows = list(csv.reader(io.StringIO(exported.output)))
    assert rows[0] == ["child_external_id", "volunteer_external_id", "distance_km", "quality",
                       "priority"]
    assert rows[1][:2] == ["C-URGENT", "V-1"] and rows[1][4] == "urgent"
    assert rows[1][2].count(".") == 1 and len(rows[1][2].split(".")[1]) == 3
    approved = runner.invoke(args=["match", "approve", str(line["run_id"]), "--all"])
    assert json.loads(approved.output)["approved"] == 1
    assert count(app, Pair, Pair.status == "active") == 1
    assert runner.invoke(args=["match", "run", "--region", "990000"]).exit_code == 1


def test_a_child_whose_consent_was_withdrawn_is_not_considered(client, app, login,
                                                               create_user, create_volunteer,
                                                               create_child):
    """Runs read consent from ``children.consenting``: a withdrawal must reach it."""
    from models import Child, User
    from services.registry.children import withdraw_consent

    coordinator, volunteer, urgent, normal, _ = setup_county(
        create_user, create_volunteer, create_child)
    with app.app_context():
        withdraw_consent(db.session, db.session.get(User, coordinator),
                         db.session.get(Child, urgent))
        db.session.commit()
    login(coordinator)
    response = client.post("/matching/runs", data={"region_code": COUNTY_A})
    run_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    status = client.get(f"/matching/runs/{run_id}/status").get_json()
    assert status["stats"]["children"] == 1
    with app.app_context():
        proposal = db.session.execute(select(Proposal)).scalar_one()
        assert (proposal.child_id, proposal.volunteer_id) == (normal, volunteer)
