import pytest

from app import create_app


def test_production_refuses_to_start_without_its_settings(monkeypatch):
    monkeypatch.setenv("QIANSHOU_ENV", "production")
    for name in ("SECRET_KEY", "DATA_KEY", "LOOKUP_KEY", "REDIS_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError,
                       match="SECRET_KEY.*DATA_KEY.*LOOKUP_KEY.*REDIS_URL.*DATABASE_URL"):
        create_app()


def test_production_with_settings_uses_secure_cookies(monkeypatch):
    from core import crypto
    from services.access import accounts

    # create_app hands keys and hashing cost to the services; put them back afterwards.
    monkeypatch.setattr(crypto, "_cipher", crypto._cipher)
    monkeypatch.setattr(crypto, "_lookup_key", crypto._lookup_key)
    monkeypatch.setitem(accounts.HASH_METHOD, "value", accounts.HASH_METHOD["value"])
    monkeypatch.setenv("QIANSHOU_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATA_KEY", "Z" * 43 + "=")
    monkeypatch.setenv("LOOKUP_KEY", "l" * 64)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["CELERY"]["broker_url"] == "redis://127.0.0.1:6379/15"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/15"


def test_development_generates_and_keeps_a_secret_key(tmp_path, monkeypatch):
    import config

    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    first = config.Config().SECRET_KEY
    assert first and (tmp_path / "secret_key").read_text().strip() == first
    assert config.Config().SECRET_KEY == first


def test_reminder_sweep_is_scheduled_by_beat(app):
    schedule = app.config["CELERY"]["beat_schedule"]
    assert schedule["reminders-sweep"]["task"] == "reminders.sweep"
    assert schedule["reminders-sweep"]["schedule"] == 300.0
    assert "reminders.sweep" in app.extensions["celery"].tasks
    assert "sms.send_due" in app.extensions["celery"].tasks


def test_json_logs(app, capsys):
    import json
    import logging

    from app import JsonLogFormatter

    record = logging.LogRecord("services.pairs.lifecycle", logging.INFO, __file__, 1,
                               "pair %s approved", (7,), None)
    line = json.loads(JsonLogFormatter().format(record))
    assert line["message"] == "pair 7 approved" and line["level"] == "INFO"
    assert line["logger"] == "services.pairs.lifecycle"


def _production_env(monkeypatch, **overrides):
    from core import crypto
    from services.access import accounts

    monkeypatch.setattr(crypto, "_cipher", crypto._cipher)
    monkeypatch.setattr(crypto, "_lookup_key", crypto._lookup_key)
    monkeypatch.setitem(accounts.HASH_METHOD, "value", accounts.HASH_METHOD["value"])
    settings = {"QIANSHOU_ENV": "production", "SECRET_KEY": "x" * 32,
                "DATA_KEY": "Z" * 43 + "=", "LOOKUP_KEY": "l" * 64,
                "REDIS_URL": "redis://127.0.0.1:6379/15",
                "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test", **overrides}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("name", ["SECRET_KEY", "LOOKUP_KEY"])
@pytest.mark.parametrize("value", ["k", "x" * 31, "密" * 10])
def test_production_refuses_short_keys(monkeypatch, name, value):
    _production_env(monkeypatch, **{name: value})
    with pytest.raises(RuntimeError, match=f"32 bytes.*{name}"):
        create_app()


def test_proxy_headers_are_trusted_only_as_configured(make_app, create_user):
    seen = {}
    for count in (0, 1):
        app = make_app(PROXY_COUNT=count, RATELIMIT_ENABLED=True,
                       LOGIN_LIMITS="2 per minute")
        client = app.test_client()
        answers = [client.post("/auth/login", data={"phone": "13800001234", "password": "x"},
                               headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code
                   for n in range(3)]
        seen[count] = answers
    # Without a trusted proxy every request is the same client; behind one, each
    # forwarded address has its own limit.
    assert seen == {0: [200, 200, 429], 1: [200, 200, 200]}


def test_the_image_leaves_out_keys_and_runs_as_a_user():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    ignored = (root / ".dockerignore").read_text().split()
    assert {"instance/", ".env", ".git/", ".venv/"} <= set(ignored)
    dockerfile = (root / "Dockerfile").read_text()
    assert "\nUSER " in dockerfile and "USER root" not in dockerfile
