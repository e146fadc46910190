"""The rate limiter's keys in Redis carry the number's keyed hash, never the number."""

import os

import pytest
import redis

pytestmark = pytest.mark.integration
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
NATIONAL = "13900000014"


def test_redis_limit_keys_hold_no_phone_number(make_app, create_user):
    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    create_user(phone=NATIONAL)
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=REDIS_URL,
                   LOGIN_LIMITS="2 per minute")
    client = app.test_client()
    answers = [client.post("/auth/login", data={"phone": spelled, "password": "x"}).status_code
               for spelled in (NATIONAL, "+86 139-0000-0014", "１３９００００００１４")]
    answers.append(client.post("/api/v1/auth/token",
                               json={"phone": NATIONAL, "password": "x"}).status_code)
    assert answers[2] == 429
    keys = [key.decode() for key in store.scan_iter("*")]
    assert any("LIMITER" in key for key in keys), keys
    assert not [key for key in keys if "0000014" in key or "+86" in key]
    store.flushdb()
