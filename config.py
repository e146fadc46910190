"""Settings read from the environment, with documented defaults.

Every setting can also be passed to ``create_app(overrides)``. The defaults give the
embedded mode: SQLite under ``instance/``, no Redis, SMS printed to the console.
"""

import json
import os
import re
import secrets
from pathlib import Path

from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_QUEUE = "celery"
SMS_PRIORITY_QUEUE = "sms-priority"
INSTANCE_DIR = Path(os.environ.get("QIANSHOU_INSTANCE", BASE_DIR / "instance"))


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret_key() -> str:
    """Generate a secret key once and keep it under instance/ (development only)."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Settings for one app; read at app creation, never at import of other modules."""

    def __init__(self) -> None:
        #: "production" refuses to start without a real SECRET_KEY and broker.
        self.ENV_NAME = os.environ.get("QIANSHOU_ENV", "development")
        production = self.ENV_NAME == "production"
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or (
            None if production else _development_secret_key()
        )
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'qianshou.db'}"
        )
        #: hide_parameters: SQL errors in logs never carry the values (phones, names).
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
        #: Unset: embedded mode (filesystem broker, in-memory rate limits).
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        #: "text" (default) or "json": one JSON object per log line, for log collectors.
        self.LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
        #: The site's public address, for links in SMS (e.g. https://qianshou.example.cn).
        self.SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000")
        self.SMS_BACKEND = os.environ.get("SMS_BACKEND", "console")
        #: Providers tried in this order (e.g. "aliyun,tencent"); unset: SMS_BACKEND alone.
        self.SMS_PROVIDERS = _names(os.environ.get("SMS_PROVIDERS", ""))
        #: Per provider: sign name, rate limit, template codes and texts (see
        #: provider_sms_options); a dict {provider: {setting: value}}.
        self.SMS_PROVIDER_SETTINGS = provider_sms_options(os.environ)
        #: Routine messages one number gets per local day; more wait for the next day.
        self.SMS_DAILY_CAP = int(os.environ.get("SMS_DAILY_CAP", 5))
        #: The part of each provider's rate limit routine SMS may use, so concern alerts
        #: and one-time codes always find room (0.8: 8 of every 10 per second).
        self.SMS_ROUTINE_SHARE = float(os.environ.get("SMS_ROUTINE_SHARE", 0.8))
        self.SMS_FILE = os.environ.get("SMS_FILE", str(INSTANCE_DIR / "sms.jsonl"))
        self.SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "牵手童行")
        self.SMS_TIMEOUT_SECONDS = int(os.environ.get("SMS_TIMEOUT_SECONDS", 10))
        #: Shared secret in the delivery-receipt and reply callback URLs.
        self.SMS_CALLBACK_TOKEN = os.environ.get("SMS_CALLBACK_TOKEN") or None
        self.ALIYUN_ACCESS_KEY_ID = os.environ.get("ALIYUN_ACCESS_KEY_ID")
        self.ALIYUN_ACCESS_KEY_SECRET = os.environ.get("ALIYUN_ACCESS_KEY_SECRET")
        self.ALIYUN_SMS_ENDPOINT = os.environ.get("ALIYUN_SMS_ENDPOINT", "dysmsapi.aliyuncs.com")
        #: JSON object: our template code → the provider's template code / id.
        self.ALIYUN_TEMPLATE_CODES = json.loads(os.environ.get("ALIYUN_TEMPLATE_CODES", "{}"))
        self.TENCENT_SECRET_ID = os.environ.get("TENCENT_SECRET_ID")
        self.TENCENT_SECRET_KEY = os.environ.get("TENCENT_SECRET_KEY")
        self.TENCENT_SMS_SDK_APP_ID = os.environ.get("TENCENT_SMS_SDK_APP_ID")
        self.TENCENT_REGION = os.environ.get("TENCENT_REGION", "ap-guangzhou")
        #: Unset: the SDK's default endpoint. Both endpoints may carry a scheme
        #: ("http://127.0.0.1:8080" points the real SDK at a local test server).
        self.TENCENT_SMS_ENDPOINT = os.environ.get("TENCENT_SMS_ENDPOINT", "")
        self.TENCENT_TEMPLATE_IDS = json.loads(os.environ.get("TENCENT_TEMPLATE_IDS", "{}"))
        #: Years after a child left the programme (and their last pair ended) until their
        #: personal data and contact notes are anonymised.
        self.RETENTION_YEARS = int(os.environ.get("RETENTION_YEARS", 3))
        #: Days after a rejection until a rejected volunteer application is deleted.
        self.REJECTED_APPLICATION_DAYS = int(os.environ.get("REJECTED_APPLICATION_DAYS", 180))
        #: How often the reminder sweep runs (seconds).
        self.REMINDER_SWEEP_SECONDS = int(os.environ.get("REMINDER_SWEEP_SECONDS", 300))
        #: How often waiting matching runs are checked, and how long one may wait in the
        #: queue (e.g. through a broker outage) before it is queued again.
        self.MATCH_RECOVER_SECONDS = int(os.environ.get("MATCH_RECOVER_SECONDS", 60))
        self.MATCH_REQUEUE_SECONDS = int(os.environ.get("MATCH_REQUEUE_SECONDS", 120))
        #: Split a run's independent components into this many parts, solved by
        #: whichever workers are free (1: the run's own worker solves everything).
        self.MATCH_PARTS = int(os.environ.get("MATCH_PARTS", 1))
        #: Memory (MiB) one matching run may use; a region whose candidate pairs would
        #: need more is refused with a message instead of being killed by the kernel.
        #: Sized for a 4 GiB worker (a 300,000 × 30,000 province needs about 3 GiB).
        self.MATCH_MEMORY_MB = int(os.environ.get("MATCH_MEMORY_MB", 3584))
        #: Key for encrypting ID numbers at rest (Fernet, urlsafe base64, 32 bytes).
        self.DATA_KEY = os.environ.get("DATA_KEY") or None
        #: Key of the keyed hashes that find encrypted phone numbers (any long secret).
        self.LOOKUP_KEY = os.environ.get("LOOKUP_KEY") or None
        self.INSTANCE_DIR = str(INSTANCE_DIR)
        self.PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")
        self.LOGIN_LIMITS = os.environ.get("LOGIN_LIMITS", "10 per minute")
        #: One-time codes one client address may ask for in an hour (every number has its
        #: own fixed limits: 1 a minute, 10 a day).
        self.OTP_CODES_PER_ADDRESS_HOUR = int(os.environ.get("OTP_CODES_PER_ADDRESS_HOUR", 20))
        #: Reverse proxies in front of the app (nginx, a load balancer): their
        #: X-Forwarded-For/-Proto/-Host are trusted this many hops deep; 0 trusts none.
        self.PROXY_COUNT = int(os.environ.get("PROXY_COUNT", 0))
        self.MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
        self.BABEL_DEFAULT_LOCALE = "zh_CN"
        self.BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
        self.LANGUAGES = ("zh_CN", "en")
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", production)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.WTF_CSRF_TIME_LIMIT = None
        #: Run Celery tasks inline (tests); otherwise they go to the broker.
        self.CELERY_ALWAYS_EAGER = _bool("CELERY_ALWAYS_EAGER")


def celery_settings(config) -> dict:
    """Celery configuration for an app's final settings: Redis when REDIS_URL is set,
    otherwise a filesystem broker under instance/ that needs no server."""
    settings: dict = {
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "task_ignore_result": True,
        "task_always_eager": config["CELERY_ALWAYS_EAGER"],
        "task_eager_propagates": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        # A web request must not hang when the broker is down: fail fast, the work waits
        # in the database and the recovery task queues it again.
        "broker_connection_timeout": 2,
        "task_publish_retry_policy": {"max_retries": 1, "interval_start": 0,
                                      "interval_step": 0.5, "interval_max": 0.5},
        # Two lanes: mandatory and interactive SMS on their own queue, so a worker busy with
        # the morning's reminders never delays them. A worker started without -Q (the
        # embedded default, `make run`) consumes both; production runs one worker per queue.
        "task_default_queue": DEFAULT_QUEUE,
        "task_queues": (Queue(DEFAULT_QUEUE), Queue(SMS_PRIORITY_QUEUE)),
        "task_routes": {"sms.send_priority": {"queue": SMS_PRIORITY_QUEUE}},
        "timezone": "Asia/Shanghai",
        "enable_utc": True,
        # One schedule, with names; overlapping sweeps are harmless (unique outbox keys).
        "beat_schedule": {
            "reminders-sweep": {"task": "reminders.sweep",
                                "schedule": float(config["REMINDER_SWEEP_SECONDS"])},
            "retention-daily": {"task": "retention.run", "schedule": 24 * 3600.0},
            # Hourly, so an expiry lands within the hour after local midnight; idempotent.
            "checks-expiry": {"task": "checks.sweep", "schedule": 3600.0},
            "matching-recover": {"task": "matching.recover",
                                 "schedule": float(config["MATCH_RECOVER_SECONDS"])},
            "imports-recover": {"task": "imports.recover",
                                "schedule": float(config["MATCH_RECOVER_SECONDS"])},
        },
    }
    if config["REDIS_URL"]:
        settings["broker_url"] = config["REDIS_URL"]
        settings["result_backend"] = config["REDIS_URL"]
        return settings
    instance = Path(config["INSTANCE_DIR"])
    queue = instance / "queue"
    results = instance / "results"
    for folder in (queue / "processed", queue / "control", results):
        folder.mkdir(parents=True, exist_ok=True)
    settings["broker_url"] = "filesystem://"
    settings["broker_transport_options"] = {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "processed_folder": str(queue / "processed"),
        "store_processed": False,
        "control_folder": str(queue / "control"),
    }
    settings["result_backend"] = f"file://{results}"
    return settings


SMS_SETTING_NAMES = ("SMS_SIGN_NAME", "SMS_FILE", "SMS_TIMEOUT_SECONDS", "ALIYUN_ACCESS_KEY_ID",
                     "ALIYUN_ACCESS_KEY_SECRET", "ALIYUN_SMS_ENDPOINT", "ALIYUN_TEMPLATE_CODES",
                     "TENCENT_SECRET_ID", "TENCENT_SECRET_KEY", "TENCENT_SMS_SDK_APP_ID",
                     "TENCENT_REGION", "TENCENT_TEMPLATE_IDS", "TENCENT_SMS_ENDPOINT")


def _names(value: str) -> tuple[str, ...]:
    return tuple(name.strip().lower() for name in value.split(",") if name.strip())


_PROVIDER_OPTION = re.compile(
    r"SMS_([A-Z0-9]+)_(SIGN_NAME|RATE_LIMIT|TEMPLATE_CODES|TEMPLATE_TEXTS|TEMPLATE_(\w+)|TEXT_(\w+))")


def provider_sms_options(environ) -> dict[str, dict]:
    """Per-provider SMS settings from ``SMS_<PROVIDER>_<OPTION>`` variables.

    SIGN_NAME, RATE_LIMIT (e.g. "10/second;300/minute"), TEMPLATE_CODES and TEMPLATE_TEXTS
    (JSON objects keyed by our template code), or one template at a time with
    TEMPLATE_<CODE> (the provider's code) and TEXT_<CODE> (the provider's wording).
    """
    options: dict[str, dict] = {}
    for key, value in sorted(environ.items()):
        match = _PROVIDER_OPTION.fullmatch(key)
        if not match or not value:
            continue
        provider, option, code, text_code = match.groups()
        mine = options.setdefault(provider.lower(), {})
        if option in ("TEMPLATE_CODES", "TEMPLATE_TEXTS"):
            mine.setdefault(f"SMS_{option}", {}).update(json.loads(value))
        elif code:
            mine.setdefault("SMS_TEMPLATE_CODES", {})[code.lower()] = value
        elif text_code:
            mine.setdefault("SMS_TEMPLATE_TEXTS", {})[text_code.lower()] = value
        else:
            mine[f"SMS_{option}"] = value
    return options


def sms_provider_names(config) -> tuple[str, ...]:
    """The providers to try, in order: SMS_PROVIDERS, or SMS_BACKEND alone."""
    return tuple(config.get("SMS_PROVIDERS") or ()) or (config["SMS_BACKEND"],)


def sms_settings(config, provider: str | None = None) -> dict:
    """The plain settings dict the SMS backends take; with ``provider``, that provider's own
    sign name, rate limit, template codes and texts on top of the shared settings."""
    settings = {name: config.get(name) for name in SMS_SETTING_NAMES}
    if provider:
        own = (config.get("SMS_PROVIDER_SETTINGS") or {}).get(provider) or {}
        settings.update({name: value for name, value in own.items() if value})
    return settings
