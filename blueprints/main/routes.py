from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import func, select, text

from blueprints.followups.routes import open_cases_for_alert, open_concern_count
from blueprints.main import bp
from blueprints.web import safe_next
from core.clock import today_local
from extensions import db
from models import Child, Volunteer
from services.access import policy
from services.pairs import repairing
from services.registry import background_checks, privacy
from services.reports import overview


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    if current_user.role == "volunteer":
        return redirect(url_for("volunteers.me"))
    counts = {
        "children": _count(Child),
        "pending": _count(Volunteer, Volunteer.status == "pending"),
        "vetted": _count(Volunteer, Volunteer.status == "vetted"),
        "concerns": open_concern_count(),
        **overview.pair_figures(db.session, current_user, today_local()),
    }
    alert_cases = open_cases_for_alert() if counts["concerns"] else []
    return render_template("main/home.html", counts=counts, continuity=_continuity(),
                           alert_cases=alert_cases)


def _continuity() -> dict:
    """The overview's lists of checks running out, flagged pairs and children to re-pair."""
    return {
        "recheck": background_checks.volunteers_to_recheck(db.session, current_user, today_local()),
        "flagged": background_checks.flagged_pairs(db.session, current_user),
        "repair": repairing.waiting_children(db.session, current_user),
    }


def _count(model, *where) -> int:
    stmt = policy.scoped(db.session, current_user, model,
                         select(func.count()).select_from(model)).where(*where)
    return db.session.execute(stmt).scalar_one()


@bp.route("/language/<code>", methods=["POST"])
def language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))


@bp.route("/healthz")
def health():
    """For load balancers and monitors: the database and the broker answer, else 503."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # any failure means "not healthy"; the details go to the log
        current_app.logger.exception("health check: database")
        checks["database"] = "down"
    try:
        with current_app.extensions["celery"].connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception:
        current_app.logger.warning("health check: broker unreachable")
        checks["broker"] = "down"
    healthy = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if healthy else "degraded", **checks), 200 if healthy else 503


@bp.route("/privacy")
def privacy_notice():
    """The privacy notice volunteers accept at sign-up, in the reader's language."""
    return render_template("main/privacy.html", version=privacy.NOTICE_VERSION,
                           rejected_days=current_app.config["REJECTED_APPLICATION_DAYS"])
