"""Batch claims: a batch is claimed in send order, each outcome is committed before the
next send, and a batch whose worker died leaves one message unknown and requeues the rest."""

from datetime import timedelta

from core import clock
from extensions import db
from models import OutboxMessage
from services.sms import claims, sender
from services.sms.failover import ProviderChain
from services.sms.limits import RateLimits
from services.sms.templates import ROUTINE
from tests.web.test_sms_failover import MORNING, FakeProvider, queue, rows, send

ALL = (0, 1, 2)


def test_a_batch_is_claimed_most_urgent_first_and_no_larger_than_asked(app):
    queue(app, 4, prefix="routine")
    queue(app, 1, template="concern_raised", prefix="concern")
    with app.app_context():
        batch = claims.claim_batch(db.session, MORNING, 3, ALL)
        db.session.commit()
        keys = [db.session.get(OutboxMessage, i).key for i in batch]
    assert keys == ["concern:0", "routine:0", "routine:1"]
    assert sorted(m.status for m in rows(app)) == ["queued"] * 2 + ["sending"] * 3


def interrupted_after_one(app, n: int, restarted_at) -> tuple[FakeProvider, int]:
    """A batch of ``n`` claimed, its first message sent, then its worker lost; the sweep
    11 minutes later recovers it (the server last started at ``restarted_at``). The
    provider, and how many the sweep marked unknown."""
    queue(app, n)
    provider = FakeProvider("fake")
    with app.app_context():
        batch = claims.claim_batch(db.session, MORNING, n, ALL)
        db.session.commit()
        sender.deliver(db.session, batch[0], provider, MORNING)
        db.session.commit()
        later = MORNING + timedelta(minutes=11)
        unknown = claims.recover_interrupted(db.session, later - timedelta(minutes=10),
                                             restarted_at=restarted_at)
        db.session.commit()
    return provider, unknown


def test_a_worker_killed_mid_batch_leaves_one_unknown_and_the_rest_queued(app):
    # The worker dies while the provider has the second message: no outcome for it, nor
    # the rest. The database server kept running (it last started long before the claim).
    provider, unknown = interrupted_after_one(app, 5, MORNING - timedelta(days=1))
    assert unknown == 1
    status = {m.key: (m.status, m.attempts) for m in rows(app)}
    assert status == {"m:0": ("sent", 1), "m:1": ("unknown", 1), "m:2": ("queued", 0),
                      "m:3": ("queued", 0), "m:4": ("queued", 0)}
    send(app, [provider], MORNING + timedelta(minutes=12))
    assert [m.key for m in provider.sent] == ["m:0", "m:2", "m:3", "m:4"]  # m:1 never again


def test_after_a_database_restart_every_message_still_sending_is_unknown(app):
    """Outcomes written while they may lag can be lost by a server crash: any message of
    a batch claimed before the restart that is still ``sending`` may have gone out."""
    provider, unknown = interrupted_after_one(app, 4, MORNING + timedelta(minutes=1))
    assert unknown == 3
    status = {m.key: m.status for m in rows(app)}
    assert status == {"m:0": "sent", "m:1": "unknown", "m:2": "unknown", "m:3": "unknown"}
    send(app, [provider], MORNING + timedelta(minutes=12))
    assert [m.key for m in provider.sent] == ["m:0"]  # none of them again


def test_a_restart_before_the_claim_changes_nothing(app):
    queue(app, 3)
    with app.app_context():
        claims.claim_batch(db.session, MORNING, 3, ALL)
        db.session.commit()
        later = MORNING + timedelta(minutes=11)
        assert claims.recover_interrupted(db.session, later - timedelta(minutes=10),
                                          restarted_at=MORNING - timedelta(days=1)) == 1
        db.session.commit()
    assert sorted(m.status for m in rows(app)) == ["queued", "queued", "unknown"]


def test_the_servers_start_is_known_where_outcomes_may_lag(app):
    with app.app_context():
        started = claims.server_started_at(db.session)
        if db.engine.dialect.name == "postgresql":
            assert started is not None and started < clock.now()
        else:
            assert started is None  # SQLite: every commit is flushed


def test_a_send_run_flushes_its_claims_and_lets_only_outcomes_lag(app, monkeypatch):
    """On PostgreSQL the claim is written with synchronous_commit on, the outcomes after it
    with it off; elsewhere nothing is set."""
    queue(app, 3)
    provider, settings = FakeProvider("fake"), []
    monkeypatch.setattr(claims, "outcomes_may_lag",
                        lambda session, lag: settings.append(("lag", lag)))
    real_claim = sender.claim_batch

    def claim(*args, **kwargs):
        settings.append(("claim",))
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(sender, "claim_batch", claim)
    monkeypatch.setattr(sender, "outcomes_may_lag", claims.outcomes_may_lag)
    send(app, [provider], batch_size=2, lag_outcomes=True)
    assert settings == [("lag", False), ("claim",), ("lag", True)] * 3  # 2, 1, then none
    assert len(provider.sent) == 3


def test_a_recent_batch_is_left_to_its_worker(app):
    queue(app, 2)
    with app.app_context():
        claims.claim_batch(db.session, MORNING, 2, ALL)
        db.session.commit()
        assert claims.recover_interrupted(db.session, MORNING - timedelta(minutes=10)) == 0
    assert {m.status for m in rows(app)} == {"sending"}


def test_at_the_rate_limit_the_rest_of_the_batch_goes_back_unspent(app):
    queue(app, 5)
    limits = RateLimits(routine_share=1)
    limits.set("fake", "2/minute")
    provider = FakeProvider("fake")
    counts = send(app, ProviderChain([provider], limits), max_wait=0)
    assert counts == {"sent": 2, "throttled": 1}
    waiting = [m for m in rows(app) if m.status == "queued"]
    assert len(waiting) == 3 and {m.attempts for m in waiting} == {0}
    assert {m.priority for m in waiting} == {ROUTINE}


# --- headroom under provider limits ---------------------------------------------------


def test_routine_messages_leave_a_fifth_of_the_rate_limit_for_alerts_and_codes(app):
    for i in range(20):
        queue(app, 1, prefix=f"routine{i:02d}", phone=f"+86139000020{i:02d}")
    limits = RateLimits()  # the default share: 80 %
    limits.set("fake", "10/minute")
    provider = FakeProvider("fake")
    chain = ProviderChain([provider], limits)
    assert send(app, chain, max_wait=0) == {"sent": 8, "throttled": 1}
    queue(app, 1, template="concern_raised", prefix="concern")
    queue(app, 1, template="verification_code", prefix="code")
    queue(app, 1, template="concern_raised", prefix="late")
    counts = send(app, chain, max_wait=0)
    assert counts == {"sent": 2, "throttled": 1}  # the whole window is now used
    assert [m.key for m in provider.sent[8:]] == ["concern:0", "late:0"]  # class, then queue
    assert len([m for m in rows(app) if m.status == "queued"]) == 13


def test_the_routine_share_is_configurable_and_checked(app):
    import pytest

    from services.sms.providers import ConfigurationError

    limits = RateLimits(routine_share=0.5)
    limits.set("fake", "10/minute")
    for i in range(10):
        queue(app, 1, prefix=f"m{i}", phone=f"+86139000030{i:02d}")
    assert send(app, ProviderChain([FakeProvider("fake")], limits), max_wait=0)["sent"] == 5
    with pytest.raises(ConfigurationError):
        RateLimits(routine_share=0)
