"""A run whose pairing fails its optimality certificate stops and says so (the engine
side: tests/unit/matching/test_matching_certificate.py)."""

import numpy as np
from sqlalchemy import func, select

from extensions import db
from models import MatchRun, Proposal, UnpairedChild
from services.matching import runs
from services.matching.engine import solver
from tests.conftest import COUNTY_A
from tests.web.test_matching import setup_county


def test_a_run_whose_pairing_is_not_the_best_fails_with_a_message(client, app, login,
                                                                  create_user,
                                                                  create_volunteer,
                                                                  create_child, monkeypatch):
    coordinator, *_ = setup_county(create_user, create_volunteer, create_child)
    # A solver gone wrong: the one place goes to the normal child, not the urgent one.
    monkeypatch.setattr(solver, "_solve_tiny", lambda comp: np.array(
        [int(np.argmax(comp.child_tiers[comp.edge_child]))]))
    login(coordinator)
    response = client.post("/matching/runs", data={"region_code": COUNTY_A})
    run_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert client.get(f"/matching/runs/{run_id}/status").get_json()["status"] == "failed"
    page = client.get(f"/matching/runs/{run_id}").get_data(as_text=True)
    assert "无法被证明是最优的" in page and "请先告知管理员" in page
    with app.app_context():
        assert db.session.get(MatchRun, run_id).error == runs.NOT_PROVEN
        for model in (Proposal, UnpairedChild):
            assert db.session.execute(select(func.count()).select_from(model)).scalar() == 0
