"""What every page shares: access decorators, error translation, filters, headers."""

from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, flash, request, session
from flask_babel import format_date, format_datetime, get_locale, gettext
from flask_login import current_user, login_required
from werkzeug.routing import IntegerConverter

from core.errors import DomainError, NotFound
from extensions import db
from services.access import audit, policy
from services.followups.contacts import CONCERN_KINDS
from services.regions import region_tree
from services.shared import taxonomy
from services.shared.idcard import mask_id_number
from services.shared.phones import mask_phone
from services.shared.validation import Invalid


def requires(action: str):
    """Let a view run only for a logged-in user whose role may take ``action``."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not policy.allowed(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def scoped_or_404(model, record_id: int):
    """Load a child or volunteer in the current user's scope, else 404."""
    try:
        return policy.get_scoped(db.session, current_user, model, record_id)
    except NotFound:
        abort(404)


def tree():
    return region_tree(db.session)


def translate(message: str, params: dict) -> str:
    """Translate a service's message; parameters that are message ids (N_) are translated
    too, every other parameter is data and never goes through gettext."""
    return gettext(message, **{k: gettext(v) if isinstance(v, taxonomy.MessageId) else v
                               for k, v in params.items()})


def label(table: dict, code) -> str:
    """The translated label of a code in ``table``; a code not in the table (old or
    imported data) is shown as the text it is, escaped by the template like any data,
    never through gettext (whose output templates treat as safe HTML)."""
    if isinstance(code, str) and code in table:
        return gettext(table[code])
    return "" if code is None else str(code)


def show_problems(error: Exception, form=None) -> None:
    """Attach a service's problems to the form's fields, or flash them."""
    if isinstance(error, Invalid):
        for problem in error.problems:
            text = translate(problem.message, problem.params)
            field = getattr(form, problem.field, None) if form is not None else None
            if field is not None:
                field.errors = list(field.errors) + [text]
            else:
                flash(text, "danger")
    elif isinstance(error, DomainError):
        flash(translate(error.message, error.params), "danger")
    else:
        raise error


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after log-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


class RecordIdConverter(IntegerConverter):
    """Record ids in URLs: at most nine digits, so every id fits the database's integer;
    a longer number matches no route (404), never an overflow error."""

    regex = r"\d{1,9}"


def _has_nul(text: str) -> bool:
    return "\x00" in text


def refuse_nul_characters():
    """Text with NUL characters is refused up front (PostgreSQL cannot store it)."""
    if "%00" in request.query_string.decode("latin-1") or \
            any(_has_nul(v) for v in request.args.values()):
        abort(400)
    if request.is_json and b"\\u0000" in request.get_data(cache=True):
        abort(400)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") and \
            any(_has_nul(v) for v in request.form.values()):
        abort(400)


def register_web_helpers(app: Flask) -> None:
    app.before_request(refuse_nul_characters)

    @app.context_processor
    def inject():
        return {
            "taxonomy": taxonomy,
            "region_name": lambda code: tree().full_name(code) if code else "",
            "mask_phone": mask_phone,
            "mask_id_number": mask_id_number,
            "can": lambda action: policy.allowed(current_user, action),
            "get_locale": get_locale,
            "concern_kinds": CONCERN_KINDS,
        }

    app.jinja_env.globals["label"] = label  # a global: macros imported without context use it
    app.add_template_filter(lambda d: format_datetime(d, "yyyy-MM-dd HH:mm") if d else "",
                            "local_dt")
    app.add_template_filter(lambda d: format_date(d, "yyyy-MM-dd") if d else "", "local_date")

    @app.before_request
    def remember_client_address():
        audit.client_ip.set(request.remote_addr or "")

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
            "img-src 'self' data:; form-action 'self'",
        )
        # Pages for a signed-in user and API answers may hold a child's data: never cache.
        # (Read from the session, not the database: this runs for error pages too.)
        # So may a page opened by a link's token (the feedback form names the child).
        if session.get("_user_id") or request.path.startswith(("/api/", "/f/")):
            headers["Cache-Control"] = "no-store"
        if app.config["ENV_NAME"] == "production":
            headers.setdefault("Strict-Transport-Security",
                               "max-age=31536000; includeSubDomains")
        return response
