"""The county's queue of families' applications: read, verify, accept or decline.

Only coordinators reach these pages, and only for their counties' applications; any
other application is a 404.
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.applications import bp
from blueprints.applications.forms import AcceptForm, DeclineForm, VerifyForm
from blueprints.children.duplicates import flash_notices
from blueprints.transaction import saving
from blueprints.web import requires, tree
from core.errors import NotFound
from extensions import db
from services.access import audit
from services.applications import review


def _get(application_id: int):
    try:
        return review.get(db.session, current_user, application_id)
    except NotFound:
        abort(404)


@bp.route("/applications/")
@requires("application.review")
def index():
    waiting = review.queue(db.session, current_user)
    decided = review.queue(db.session, current_user, decided=True)
    audit.record_many(db.session, current_user, "application.list", "application",
                      [a.id for a in waiting + decided])
    return render_template("applications/index.html", waiting=waiting, decided=decided)


@bp.route("/applications/<int:application_id>")
@requires("application.review")
def detail(application_id: int):
    application = _get(application_id)  # the read is audited
    return render_template("applications/detail.html", application=application,
                           verify_form=VerifyForm(), accept_form=AcceptForm(),
                           decline_form=DeclineForm(),
                           verification_methods=review.VERIFICATION_METHODS)


def _act(application_id: int, form, act, done: str):
    """Validate the form, take the decision (refusals are shown), back to the page."""
    back = redirect(url_for("applications.detail", application_id=application_id))
    application = _get(application_id)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
        return back
    result = None
    with saving() as saved:
        result = act(application, form)
    if not saved:
        return back
    flash(done, "success")
    return result or back


@bp.route("/applications/<int:application_id>/verify", methods=["POST"])
@requires("application.review")
def verify(application_id: int):
    return _act(application_id, VerifyForm(), lambda a, f: review.verify(
        db.session, current_user, a, {"method": f.method.data, "note": f.note.data}),
        _("Verification recorded. Now accept or decline the application."))


@bp.route("/applications/<int:application_id>/accept", methods=["POST"])
@requires("application.review")
def accept(application_id: int):
    def act(application, form):
        child = review.accept(db.session, current_user, application, tree(),
                              form.priority.data)
        flash_notices(child.duplicate_notices)
        return redirect(url_for("children.detail", child_id=child.id))

    return _act(application_id, AcceptForm(), act,
                _("Accepted: the child is in the registry with the family's consent, and "
                  "the family gets an SMS."))


@bp.route("/applications/<int:application_id>/decline", methods=["POST"])
@requires("application.review")
def decline(application_id: int):
    return _act(application_id, DeclineForm(), lambda a, f: review.decline(
        db.session, current_user, a, {"reason": f.reason.data}),
        _("Declined: the family gets the reason by SMS."))
