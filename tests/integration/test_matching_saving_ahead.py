"""On PostgreSQL a run writes what needs no pairing while the engine solves
(services.matching.saving): the result is the same as saving afterwards, and a run that
fails while solving leaves nothing written, not even the withdrawals."""

import pytest
from sqlalchemy import select

from extensions import db
from models import MatchRun, Proposal, UnpairedChild
from services.matching import engine, runs
from tests.conftest import COUNTY_A
from tests.integration.test_concurrent_approval import _needs_postgresql

pytestmark = pytest.mark.integration
__all__ = ["_needs_postgresql"]


def _county(create_user, create_volunteer, create_child):
    coordinator = create_user(regions=(COUNTY_A,))
    for _ in range(3):
        create_volunteer(status="vetted", actor_id=coordinator, capacity="2",
                         skills=["academic"])
    for n in range(12):
        create_child(coordinator, name=f"黄{n}", priority=("urgent", "high", "normal")[n % 3],
                     needs=[("academic", "health")[n % 2]])


def _watch_savings(monkeypatch) -> list:
    """Every SavingAhead the runs start, as they start."""
    started = []

    class Watched(runs.SavingAhead):
        def __init__(self, *args):
            super().__init__(*args)
            started.append(self)

    monkeypatch.setattr(runs, "SavingAhead", Watched)
    return started


def _run(app) -> int:
    with app.app_context():
        run = runs.start_run(db.session, None, COUNTY_A)
        db.session.commit()
        runs.execute_run(db.session, run.id, commit=db.session.commit)
        return run.id


def _saved(app, run_id: int):
    with app.app_context():
        proposals = sorted(db.session.execute(select(
            Proposal.child_id, Proposal.volunteer_id, Proposal.quality, Proposal.status)
            .where(Proposal.run_id == run_id)).tuples())
        unpaired = sorted(db.session.execute(select(UnpairedChild.child_id,
                                                    UnpairedChild.reason)
                                             .where(UnpairedChild.run_id == run_id)).tuples())
        return proposals, unpaired


def test_the_writes_that_need_no_pairing_are_done_while_solving(app, create_user,
                                                                 create_volunteer,
                                                                 create_child, monkeypatch):
    _county(create_user, create_volunteer, create_child)
    after = _saved(app, _run(app))  # the saving after solving, as SQLite does it
    monkeypatch.setattr(runs, "can_save_ahead", lambda session: False)
    # (run again in the same state: the last run's proposals are withdrawn by both)
    sequential = _saved(app, _run(app))
    monkeypatch.undo()
    started = _watch_savings(monkeypatch)
    solve = engine.solve

    def solve_when_written(*args, **kwargs):
        assert started and started[0].sent.wait(30), "nothing was written while solving"
        return solve(*args, **kwargs)

    monkeypatch.setattr(engine, "solve", solve_when_written)
    ahead_id = _run(app)
    ahead = _saved(app, ahead_id)
    assert ahead == sequential and ahead[0] and ahead[1]
    assert [row[:3] for row in after[0]] == [row[:3] for row in ahead[0]]
    with app.app_context():
        run = db.session.get(MatchRun, ahead_id)
        assert run.status == "done" and "saving_ahead" in run.stats["seconds"]
        # The earlier runs' proposals were withdrawn; each child once in this run's rows.
        assert {status for *_, status in _saved(app, ahead_id - 1)[0]} == {"withdrawn"}
        assert len({child for child, _ in ahead[1]}) == len(ahead[1])


def test_a_run_that_fails_while_solving_leaves_nothing_written(app, create_user,
                                                               create_volunteer, create_child,
                                                               monkeypatch):
    _county(create_user, create_volunteer, create_child)
    first = _run(app)
    before = _saved(app, first)
    started = _watch_savings(monkeypatch)

    def solver_breaks(*args, **kwargs):
        assert started[0].sent.wait(30)  # the provisional rows are in
        raise MemoryError("solver gone")

    monkeypatch.setattr(engine, "solve", solver_breaks)
    with pytest.raises(MemoryError):
        _run(app)
    with app.app_context():
        failed = db.session.execute(select(MatchRun.id).where(MatchRun.id > first)).scalar_one()
    assert _saved(app, first) == before  # still open, not withdrawn
    assert _saved(app, failed) == ([], [])
