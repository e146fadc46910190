"""The application factory; ``app = create_app()`` serves ``flask run`` and gunicorn."""

import logging
import secrets
from pathlib import Path

from flask import Flask, render_template

from blueprints import register_blueprints, transaction
from blueprints.api import register_api
from blueprints.api.core import problem_response
from blueprints.cli import register_commands
from blueprints.edge import EdgeJSONProvider, check_json_body
from blueprints.web import RecordIdConverter, register_web_helpers
from config import Config, celery_settings
from core import crypto, site
from extensions import babel, csrf, db, limiter, login_manager, migrate, select_locale
from models import User
from services.access import accounts
from tasks import celery_init_app

#: The shortest SECRET_KEY and LOOKUP_KEY production accepts.
MIN_SECRET_BYTES = 32


def create_app(overrides: dict | None = None) -> Flask:
    """Build an app: defaults, then the environment (config.Config), then ``overrides``."""
    app = Flask(__name__, instance_path=Config().INSTANCE_DIR)
    config = Config()
    app.config.from_object(config)
    app.config.update(overrides or {})
    app.config.setdefault("CELERY", celery_settings(app.config))
    _check_production(app)
    _trust_proxies(app)
    _configure_logging(app.config["LOG_FORMAT"])

    _configure_services(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_timezone="Asia/Shanghai",
                   default_locale="zh_CN")
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.json = EdgeJSONProvider(app)
    app.before_request(check_json_body)  # before the limiter's keys read the body
    limiter.init_app(app)
    _init_login(app)


    celery_init_app(app)


    app.url_map.converters["int"] = RecordIdConverter  # before any route is added

    register_blueprints(app)

    register_api(app)
    register_web_helpers(app)
    transaction.init_app(app)  # the one commit of each request
    register_commands(app)
    _register_error_pages(app)
    return app


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line, for log collectors (LOG_FORMAT=json)."""

    def format(self, record: logging.LogRecord) -> str:
        import json

        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
                 "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _configure_logging(log_format: str) -> None:
    root = logging.getLogger()
    if getattr(root, "_qianshou_configured", None) == log_format:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLogFormatter() if log_format == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.handlers = [h for h in root.handlers if not getattr(h, "_qianshou", False)]
    handler._qianshou = True
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root._qianshou_configured = log_format


def _check_production(app: Flask) -> None:
    """Production refuses to start without its settings."""
    if app.config["ENV_NAME"] != "production":
        return
    missing = [k for k in ("SECRET_KEY", "DATA_KEY", "LOOKUP_KEY", "REDIS_URL")
               if not app.config.get(k)]
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        missing.append("DATABASE_URL (PostgreSQL)")
    if missing:
        raise RuntimeError("production needs these settings: " + ", ".join(missing))
    short = [k for k in ("SECRET_KEY", "LOOKUP_KEY")
             if len(str(app.config[k]).encode()) < MIN_SECRET_BYTES]
    if short:
        raise RuntimeError(f"production needs keys of at least {MIN_SECRET_BYTES} bytes "
                           "(e.g. python -c 'import secrets; print(secrets.token_hex(32))'): "
                           + ", ".join(short))


def _trust_proxies(app: Flask) -> None:
    """Behind PROXY_COUNT reverse proxies, take the client's address (and scheme, host)
    from the headers those proxies set, so per-address limits and the audit log see
    the real client; with 0 (the default) such headers are ignored, since anyone can
    send them."""
    count = app.config["PROXY_COUNT"]
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _configure_services(app: Flask) -> None:
    """Hand settings to the plain-Python services (keys, hashing cost)."""

    def key_from(setting: str, file_name: str, make) -> str:
        """A setting, or in development a key generated once under instance/."""
        if app.config.get(setting):
            return app.config[setting]
        path = Path(app.config["INSTANCE_DIR"]) / file_name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(make())
            path.chmod(0o600)
        return path.read_text().strip()

    crypto.configure(key_from("DATA_KEY", "data_key", crypto.generate_key),
                     key_from("LOOKUP_KEY", "lookup_key", lambda: secrets.token_hex(32)))
    accounts.HASH_METHOD["value"] = app.config["PASSWORD_HASH_METHOD"]
    site.configure(app.config["SITE_URL"])


def _init_login(app: Flask) -> None:

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _, token = session_id.partition(":")
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or user.session_token != token or not user.active:
            return None
        return user


def _register_error_pages(app: Flask) -> None:
    """Friendly pages for every error; no stack trace reaches a user."""

    from flask import g, request
    from sqlalchemy.exc import SQLAlchemyError
    from werkzeug.exceptions import HTTPException, InternalServerError


    def render_error(error):
        # Only HTTP errors carry a status; other exceptions (even with a "code") are 500s.
        code = error.code if isinstance(error, HTTPException) and error.code else 500
        if code >= 500:
            app.logger.exception("unhandled error")
            try:
                db.session.rollback()
            except SQLAlchemyError:  # the connection itself is gone (database restarting)
                db.session.close()
        if isinstance(error, SQLAlchemyError) and "_login_user" not in g:
            g._login_user = login_manager.anonymous_user()  # the database may be down
        if request.path.startswith("/api/"):
            http_error = error if isinstance(error, HTTPException) else InternalServerError()
            return problem_response(http_error)
        try:
            return render_template("errors/error.html", code=code), code
        except Exception:  # the error page itself failed: still no stack trace
            app.logger.exception("error page failed")
            return f"Error {code}", code, {"Content-Type": "text/plain; charset=utf-8"}

    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(Exception, render_error)


app = create_app()
