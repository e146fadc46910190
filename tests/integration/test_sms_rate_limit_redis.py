"""Per-provider rate limits held in Redis are shared by every worker process."""

import os
import uuid

import pytest

from services.sms.failover import ProviderChain
from services.sms.limits import RateLimits
from services.sms.providers import Message, SendResult, SmsBackend

pytestmark = pytest.mark.integration
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class Accepting(SmsBackend):
    def __init__(self, name):
        super().__init__({})
        self.name, self.sent = name, 0

    def send(self, message):
        self.sent += 1
        return SendResult("sent", provider_message_id=message.key)


def test_two_workers_share_one_providers_limit():
    name = f"p{uuid.uuid4().hex[:8]}"  # a fresh window, whatever ran before
    workers = []
    for _ in range(2):  # each worker has its own limiter object over the same Redis
        limits = RateLimits(REDIS_URL)
        limits.set(name, "3/minute")
        workers.append(ProviderChain([Accepting(name)], limits))
    outcomes = [workers[i % 2].send(Message(f"k{i}", "+8613900001234", "verification_code",
                                            {"code": "1"})).status for i in range(6)]
    assert outcomes.count("sent") == 3 and outcomes.count("throttled") == 3
    assert sum(worker.backends[0].sent for worker in workers) == 3
