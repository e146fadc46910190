"""Batch claims: a batch is claimed in send order, each outcome is committed before the
next send, and a batch whose worker died leaves one message unknown and requeues the rest."""

from datetime import timedelta

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


def test_a_worker_killed_mid_batch_leaves_one_unknown_and_the_rest_queued(app):
    queue(app, 5)
    provider = FakeProvider("fake")
    with app.app_context():
        batch = claims.claim_batch(db.session, MORNING, 5, ALL)
        db.session.commit()
        sender.deliver(db.session, batch[0], provider, MORNING)
        db.session.commit()
        # The worker dies while the provider has batch[1]: no outcome for it, nor the rest.
        later = MORNING + timedelta(minutes=11)
        assert claims.recover_interrupted(db.session, later - timedelta(minutes=10)) == 1
        db.session.commit()
    status = {m.key: (m.status, m.attempts) for m in rows(app)}
    assert status == {"m:0": ("sent", 1), "m:1": ("unknown", 1), "m:2": ("queued", 0),
                      "m:3": ("queued", 0), "m:4": ("queued", 0)}
    send(app, [provider], MORNING + timedelta(minutes=12))
    assert [m.key for m in provider.sent] == ["m:0", "m:2", "m:3", "m:4"]  # m:1 never again


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
