"""SMS failover across providers, the per-number daily cap and per-provider rate limits.

Providers are fakes (or the Aliyun backend with a fake client); the clock is frozen.
"""

import json
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import select

from config import provider_sms_options, sms_provider_names, sms_settings
from core import clock
from core.clock import LOCAL_TZ
from extensions import db
from models import OutboxMessage
from services.followups import reminders
from services.sms import outbox, sender
from services.sms.failover import ProviderChain, build_chain, chain_from_config
from services.sms.limits import RateLimits
from services.sms.providers import ConfigurationError, SendResult, SmsBackend, get_backend
from tests.conftest import APPROVED_AT
from tests.worker import free_port

MORNING = datetime(2026, 12, 1, 10, 0, tzinfo=LOCAL_TZ)
PHONE = "+8613900001234"
ALIYUN = {"ALIYUN_ACCESS_KEY_ID": "id", "ALIYUN_ACCESS_KEY_SECRET": "secret",
          "ALIYUN_TEMPLATE_CODES": {"contact_due": "SMS_1", "verification_code": "SMS_2"}}


class FakeProvider(SmsBackend):
    """A provider answering each call with the next status of ``answers`` (the last one
    repeats); records the messages it was given."""

    def __init__(self, name, *answers):
        super().__init__({})
        self.name, self.answers, self.sent = name, list(answers) or ["sent"], []

    def send(self, message):
        self.sent.append(message)
        status = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return SendResult(status, provider_message_id=f"{self.name}-{message.key}"
                          if status == "sent" else None,
                          error="" if status == "sent" else f"{status}_error")


class FakeAliyunClient:
    """Stands in for the Aliyun SDK client: answers with ``body`` or raises ``exc``."""

    def __init__(self, body=None, exc=None):
        self.body, self.exc, self.calls = body, exc, 0

    def send_sms_with_options(self, request, runtime):
        from alibabacloud_dysmsapi20170525.models import SendSmsResponse

        self.calls += 1
        if self.exc is not None:
            raise self.exc
        return SendSmsResponse().from_map({"statusCode": 200, "headers": {},
                                           "body": {"RequestId": "r1", **self.body}})


def aliyun_network_error(inner):
    """``inner`` wrapped as the Aliyun SDK wraps a requests error."""
    from darabonba.exceptions import RetryError, UnretryableException
    from darabonba.policy.retry import RetryPolicyContext

    try:
        try:
            raise inner
        except OSError as exc:
            raise RetryError(str(exc))  # noqa: B904 (the SDK keeps it as __context__)
    except RetryError as retry:
        return UnretryableException(RetryPolicyContext(retries_attempted=1, exception=retry))


def aliyun_with(**fake):
    backend = get_backend("aliyun", ALIYUN)
    backend.client = FakeAliyunClient(**fake)
    return backend


def queue(app, count=1, template="contact_due", phone=PHONE, prefix="m", not_before=None):
    params = {"verification_code": {"code": "123456"},
              "concern_raised": {"county": "横县", "kind": "安全"}}.get(
        template, {"child_given_name": "小明", "due_date": "12月15日"})
    with app.app_context(), clock.frozen(not_before or MORNING):
        outbox.queue(db.session, [
            outbox.message_row(f"{prefix}:{i}", template, "contact", "volunteer", phone,
                           params=params, not_before=not_before) for i in range(count)])
        # Left for the sender under test: no priority sender is woken by this commit.
        db.session.info.pop(outbox.PRIORITY_QUEUED, None)
        db.session.commit()


def send(app, providers, moment=MORNING, **options):
    chain = providers if isinstance(providers, ProviderChain) else ProviderChain(providers)
    with app.app_context(), clock.frozen(moment):
        return sender.send_due(db.session, chain, moment, commit=db.session.commit,
                                   **options)


def rows(app):
    with app.app_context():
        return db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)
                                  ).scalars().all()


# --- failover --------------------------------------------------------------------------


@pytest.mark.parametrize("primary", [
    pytest.param(lambda: aliyun_with(exc=aliyun_network_error(ConnectionRefusedError())),
                 id="connection-refused"),
    pytest.param(lambda: aliyun_with(body={"Code": "ServiceUnavailable"}),
                 id="service-unavailable"),
    pytest.param(lambda: aliyun_with(body={"Code": "Throttling.User"}),
                 id="throttled-by-provider"),
])
def test_a_definite_outage_moves_the_message_to_the_next_provider(app, primary):
    queue(app)
    aliyun, backup = primary(), FakeProvider("tencent")
    assert send(app, [aliyun, backup]) == {"sent": 1}
    [message] = rows(app)
    assert (message.status, message.provider) == ("sent", "tencent")
    assert message.provider_message_id == "tencent-m:0"
    assert [a["provider"] for a in message.provider_attempts] == ["aliyun", "tencent"]
    assert [a["status"] for a in message.provider_attempts] == ["retry", "sent"]
    assert aliyun.client.calls == 1 and len(backup.sent) == 1


def test_an_ambiguous_send_stays_unknown_and_never_goes_to_a_second_provider(app):
    queue(app)
    aliyun = aliyun_with(exc=aliyun_network_error(requests.exceptions.ReadTimeout()))
    backup = FakeProvider("tencent")
    send(app, [aliyun, backup])
    [message] = rows(app)
    assert (message.status, message.provider, message.reason) == (
        "unknown", "aliyun", "read_timeout")
    assert backup.sent == []
    send(app, [aliyun, backup], MORNING + timedelta(days=1))  # later runs leave it alone
    assert backup.sent == [] and aliyun.client.calls == 1
    assert rows(app)[0].status == "unknown"


def test_a_definite_refusal_also_tries_the_next_provider_and_fails_when_all_refuse(app):
    queue(app, 2)
    first, second = FakeProvider("aliyun", "failed"), FakeProvider("tencent", "failed", "sent")
    send(app, [first, second])
    statuses = [(m.status, m.provider) for m in rows(app)]
    assert statuses == [("failed", ""), ("sent", "tencent")]
    assert rows(app)[0].reason == "tencent: failed_error"


def test_providers_are_tried_in_the_configured_order(app):
    queue(app, 3)
    first, second = FakeProvider("tencent"), FakeProvider("aliyun")
    send(app, [first, second])
    assert {m.provider for m in rows(app)} == {"tencent"}
    assert len(first.sent) == 3 and second.sent == []


def test_a_provider_that_is_down_is_passed_over_for_the_rest_of_the_run(app):
    queue(app, 3)
    down, backup = FakeProvider("aliyun", "retry"), FakeProvider("tencent")
    send(app, [down, backup])
    assert [m.provider for m in rows(app)] == ["tencent"] * 3
    assert len(down.sent) == 1  # not asked again for the second and third message
    send(app, [down, backup], MORNING + timedelta(minutes=1))
    assert len(down.sent) == 1  # nothing left; a new run would try it first again


def test_when_every_provider_is_down_the_message_waits_with_back_off(app):
    queue(app)
    first, second = FakeProvider("aliyun", "retry"), FakeProvider("tencent", "retry")
    moment = MORNING
    for attempt, wait in enumerate(sender.RETRY_AFTER, start=1):
        assert send(app, [first, second], moment) == {"queued": 1}
        [message] = rows(app)
        assert (message.attempts, message.not_before) == (attempt, moment + wait)
        assert message.reason == "tencent: retry_error"
        send(app, [first, second], moment + wait - timedelta(seconds=1))  # not due yet
        assert len(first.sent) == attempt and len(second.sent) == attempt
        moment += wait
    assert send(app, [first, second], moment) == {"failed": 1}
    assert len(rows(app)[0].provider_attempts) == 2 * (len(sender.RETRY_AFTER) + 1)


# --- daily cap -------------------------------------------------------------------------


def test_the_sixth_routine_message_of_the_local_day_waits_for_the_next_morning(app):
    queue(app, 6)
    queue(app, 1, phone="+8613900009999", prefix="other")
    provider = FakeProvider("aliyun")
    assert send(app, [provider]) == {"sent": 6, "held": 1}
    held = [m for m in rows(app) if m.status == "queued"]
    assert [m.key for m in held] == ["m:5"]
    assert held[0].not_before == datetime(2026, 12, 2, 8, 0, tzinfo=LOCAL_TZ)  # quiet hours
    assert held[0].attempts == 0 and "daily limit" in held[0].reason
    send(app, [provider], datetime(2026, 12, 1, 23, 59, tzinfo=LOCAL_TZ))
    assert len(provider.sent) == 6
    assert send(app, [provider], datetime(2026, 12, 2, 8, 0, tzinfo=LOCAL_TZ)) == {"sent": 1}
    assert {m.status for m in rows(app)} == {"sent"}


def test_the_cap_counts_the_asia_shanghai_day_not_the_utc_day(app):
    early = datetime(2026, 12, 1, 7, 30, tzinfo=LOCAL_TZ)  # still 30 November in UTC
    queue(app, 5, not_before=early)
    provider = FakeProvider("aliyun")
    send(app, [provider], early)
    queue(app, 1, prefix="later")
    assert send(app, [provider], MORNING) == {"held": 1}


def test_the_cap_is_configurable(app):
    queue(app, 3)
    assert send(app, [FakeProvider("aliyun")], daily_cap=2) == {"sent": 2, "held": 1}


def test_a_message_being_sent_by_another_worker_counts_toward_the_cap(app):
    queue(app, 5)
    with app.app_context(), clock.frozen(MORNING):
        for message in db.session.execute(select(OutboxMessage)).scalars():
            message.status, message.claimed_at = ("sent", MORNING)
        db.session.execute(select(OutboxMessage)).scalars().first().status = "sending"
        db.session.commit()
    queue(app, 1, prefix="next")
    assert send(app, [FakeProvider("aliyun")]) == {"held": 1}


def test_concern_alerts_are_never_held_by_the_cap(app):
    queue(app, 5)
    queue(app, 2, template="concern_raised", prefix="concern")
    provider = FakeProvider("aliyun")
    assert send(app, [provider]) == {"sent": 7}
    queue(app, 1, prefix="routine")  # concern alerts did not use up the routine allowance
    assert send(app, [provider]) == {"held": 1}


def test_one_time_codes_have_their_own_cap_and_are_skipped_past_it(app):
    queue(app, 5)
    queue(app, 6, template="verification_code", prefix="code")
    provider = FakeProvider("aliyun")
    assert send(app, [provider]) == {"sent": 10, "skipped": 1}
    [skipped] = [m for m in rows(app) if m.status == "skipped"]
    assert skipped.key == "code:5" and "daily limit of 5 codes" in skipped.reason


# --- rate limits -----------------------------------------------------------------------


def test_a_provider_at_its_rate_limit_passes_the_message_to_the_next(app):
    queue(app, 3)
    limits = RateLimits(routine_share=1)  # no headroom here (tested in test_sms_claims)
    limits.set("aliyun", "2/minute")
    first, second = FakeProvider("aliyun"), FakeProvider("tencent")
    send(app, ProviderChain([first, second], limits))
    assert [m.provider for m in rows(app)] == ["aliyun", "aliyun", "tencent"]


def test_when_every_provider_is_at_its_limit_the_message_waits_without_using_an_attempt(app):
    queue(app, 3)
    limits = RateLimits(routine_share=1)  # no headroom here (tested in test_sms_claims)
    limits.set("aliyun", "2/minute")
    provider, pauses = FakeProvider("aliyun"), []
    counts = send(app, ProviderChain([provider], limits), max_wait=2.5, sleep=pauses.append)
    assert counts == {"sent": 2, "throttled": 3}
    assert pauses == [1.0, 1.0]  # waited for room (the window frees in about a minute)
    waiting = rows(app)[2]
    assert (waiting.status, waiting.attempts, waiting.not_before) == ("queued", 0, MORNING)
    assert "rate limit of aliyun" in waiting.reason and len(provider.sent) == 2


def test_rate_limit_windows_are_per_provider():
    limits = RateLimits()
    limits.set("aliyun", "1/minute")
    assert limits.acquire("aliyun") and not limits.acquire("aliyun")
    assert all(limits.acquire("tencent") for _ in range(50))  # no limit configured
    assert 0 < limits.seconds_until_free("aliyun") <= 60


# --- configuration ---------------------------------------------------------------------


TENCENT_TEXT = "请在{due_date}前联系{child_given_name}。"


def test_per_provider_settings_come_from_the_environment():
    options = provider_sms_options({
        "SMS_ALIYUN_SIGN_NAME": "横县民政", "SMS_ALIYUN_RATE_LIMIT": "10/second",
        "SMS_ALIYUN_TEMPLATE_CONTACT_DUE": "SMS_123",
        "SMS_TENCENT_TEMPLATE_CODES": json.dumps({"contact_due": "4001"}),
        "SMS_TENCENT_TEXT_CONTACT_DUE": TENCENT_TEXT,
        "SMS_SIGN_NAME": "牵手童行", "SMS_DAILY_CAP": "5", "SMS_CALLBACK_TOKEN": "t"})
    assert options == {
        "aliyun": {"SMS_SIGN_NAME": "横县民政", "SMS_RATE_LIMIT": "10/second",
                   "SMS_TEMPLATE_CODES": {"contact_due": "SMS_123"}},
        "tencent": {"SMS_TEMPLATE_CODES": {"contact_due": "4001"},
                    "SMS_TEMPLATE_TEXTS": {"contact_due": TENCENT_TEXT}},
    }


def test_sms_backend_is_the_single_provider_shorthand():
    assert sms_provider_names({"SMS_BACKEND": "aliyun", "SMS_PROVIDERS": ()}) == ("aliyun",)
    assert sms_provider_names({"SMS_BACKEND": "aliyun",
                               "SMS_PROVIDERS": ("tencent", "aliyun")}) == ("tencent", "aliyun")


def test_sign_name_template_codes_and_text_are_each_providers_own(make_app, tmp_path):
    own = {"aliyun": {"SMS_SIGN_NAME": "横县民政", "SMS_RATE_LIMIT": "5/second",
                      "SMS_TEMPLATE_CODES": {"contact_due": "SMS_999"}},
           "file": {"SMS_SIGN_NAME": "资源县民政",
                    "SMS_TEMPLATE_TEXTS": {"contact_due": "{child_given_name}：{due_date}"}}}
    web = make_app(SMS_PROVIDERS=("aliyun", "file"), SMS_PROVIDER_SETTINGS=own,
                   SMS_FILE=str(tmp_path / "sms.jsonl"), **ALIYUN)
    chain = chain_from_config(web.config)
    assert chain.names == ["aliyun", "file"]
    aliyun, file = chain.backends
    from services.sms.providers import Message

    message = Message("k1", PHONE, "contact_due", {"child_given_name": "小明",
                                                   "due_date": "12月15日"})
    request = aliyun.build_request(message)
    assert (request.sign_name, request.template_code) == ("横县民政", "SMS_999")
    assert aliyun.build_request(Message("k2", PHONE, "verification_code", {"code": "1"})
                                ).template_code == "SMS_2"  # the shared map still applies
    assert file.send(message).status == "sent"
    line = json.loads((tmp_path / "sms.jsonl").read_text())
    assert line["text"] == "【资源县民政】小明：12月15日"
    assert sms_settings(web.config)["SMS_SIGN_NAME"] == "牵手童行"


@pytest.mark.parametrize("own, problem", [
    ({"SMS_TEMPLATE_TEXTS": {"contact_due": "请联系{child_given_name}"}}, "placeholders"),
    ({"SMS_TEMPLATE_TEXTS": {"no_such": "x"}}, "unknown template"),
    ({"SMS_RATE_LIMIT": "fast"}, "rate limit"),
])
def test_a_bad_provider_setting_is_refused_when_the_chain_is_built(own, problem, tmp_path):
    settings = {"SMS_FILE": str(tmp_path / "sms.jsonl"), **own}
    with pytest.raises(ConfigurationError, match=problem):
        build_chain(["file"], lambda name: settings, RateLimits())


def test_a_provider_listed_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        ProviderChain([FakeProvider("aliyun"), FakeProvider("aliyun")])


# --- the outbox page -------------------------------------------------------------------


def test_the_outbox_shows_which_provider_sent_each_message(app, make_pair, create_user,
                                                           login, client):
    make_pair()
    send(app, [FakeProvider("aliyun", "retry"), FakeProvider("tencent")], APPROVED_AT)
    login(create_user(role="admin"))
    page = client.get("/followups/outbox").get_data(as_text=True)
    assert page.count('<td class="sms-provider">tencent') == 2
    assert "aliyun: retry_error → tencent: " in page


class Killed(BaseException):
    """The worker dying in the middle of a provider call."""


class Dying(FakeProvider):
    def send(self, message):
        self.sent.append(message)
        raise Killed


def test_a_worker_dying_during_failover_leaves_the_message_unknown_never_resent(app):
    queue(app)
    down, dying = FakeProvider("aliyun", "retry"), Dying("tencent")
    with pytest.raises(Killed):
        send(app, [down, dying])
    assert rows(app)[0].status == "sending"  # committed before any provider was called
    later = MORNING + timedelta(minutes=11)
    with app.app_context(), clock.frozen(later):
        from services.settings import get_settings

        reminders.sweep(db.session, later, get_settings(db.session))
        db.session.commit()
    assert rows(app)[0].status == "unknown"
    primary, backup = FakeProvider("aliyun"), FakeProvider("tencent")
    send(app, [primary, backup], later)
    assert primary.sent == backup.sent == [] and len(dying.sent) == 1 and len(down.sent) == 1


def test_a_rate_limit_that_cannot_be_checked_holds_the_message_instead_of_losing_it(app):
    queue(app)
    limits = RateLimits(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    limits.set("aliyun", "5/second")
    provider = FakeProvider("aliyun")
    counts = send(app, ProviderChain([provider], limits), max_wait=0.5, sleep=lambda s: None)
    assert set(counts) == {"throttled"} and provider.sent == []
    [message] = rows(app)
    assert (message.status, message.attempts) == ("queued", 0)
