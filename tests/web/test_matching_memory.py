"""MATCH_MEMORY_MB caps a run: too many candidate pairs refuse it with a message
(the engine side: tests/unit/matching/test_matching_memory_limit.py)."""

from sqlalchemy import func, select

from extensions import db
from models import MatchRun, Proposal, UnpairedChild
from services.matching import engine, runs
from tests.conftest import COUNTY_A
from tests.web.test_matching import setup_county


def test_a_run_over_its_memory_is_refused_with_a_message(client, app, login, create_user,
                                                         create_volunteer, create_child,
                                                         monkeypatch):
    coordinator, *_ = setup_county(create_user, create_volunteer, create_child)
    # Room for no pair at all.
    monkeypatch.setitem(app.config, "MATCH_MEMORY_MB", engine.candidates.BASE_MEMORY_MB)
    login(coordinator)
    response = client.post("/matching/runs", data={"region_code": COUNTY_A})
    run_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    status = client.get(f"/matching/runs/{run_id}/status").get_json()
    assert status["status"] == "failed"
    page = client.get(f"/matching/runs/{run_id}").get_data(as_text=True)
    assert "可能的配对太多" in page and "按市分别" in page
    with app.app_context():
        assert db.session.get(MatchRun, run_id).error == runs.TOO_LARGE
        for model in (Proposal, UnpairedChild):
            assert db.session.execute(select(func.count()).select_from(model)).scalar() == 0


def test_the_cli_says_why_it_refused(runner, app, create_user, create_volunteer, create_child,
                                     monkeypatch):
    create_user(role="admin")
    setup_county(create_user, create_volunteer, create_child)
    monkeypatch.setitem(app.config, "MATCH_MEMORY_MB", engine.candidates.BASE_MEMORY_MB)
    result = runner.invoke(args=["match", "run", "--region", "450100"])
    assert result.exit_code == 1 and "可能的配对太多" in result.output
