"""Feedback pages: the SMS link (no log-in), the volunteer's own form, the coordinator's
pair page with the guardian's answers, and the summary of the coordinator's counties."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.feedback import bp
from blueprints.feedback.forms import FeedbackForm, GuardianFeedbackForm
from blueprints.transaction import saving
from blueprints.web import requires
from core.errors import DomainError, NotFound
from extensions import db
from models import Child, Pair, Volunteer
from services.access import policy, submissions
from services.followups import feedback
from services.shared.names import given_name

#: Fields of the forms that the service reads (nothing else is passed on).
ANSWER_FIELDS = ("satisfaction", "contact_frequency", "child_trend", "would_continue",
                 "comment")


def _answers(form, *extra) -> dict:
    return {name: form[name].data for name in ANSWER_FIELDS + extra}


def _thanks():
    return render_template("feedback/thanks.html")


@bp.route("/f/<token>", methods=["GET", "POST"])
def by_link(token: str):
    """The short form a volunteer opens from the SMS; the token is the only key."""
    try:
        found = feedback.request_by_token(db.session, token)
    except NotFound:
        abort(404)
    except DomainError as error:
        return render_template("feedback/closed.html", error=error), 410
    form = FeedbackForm()
    if form.validate_on_submit():
        if not submissions.first_time(db.session, form.submission.data):
            return _thanks()
        with saving(form) as saved:
            feedback.submit_by_link(db.session, token, _answers(form))
        if saved:
            return _thanks()
    return _form_page(form, found)


def _form_page(form, found):

    pair = db.session.get(Pair, found.pair_id)
    child = db.session.get(Child, pair.child_id)
    return render_template("feedback/form.html", form=form, round=found.round,
                           child_given_name=given_name(child.name))


@bp.route("/feedback/requests/<int:request_id>", methods=["GET", "POST"])
@requires("feedback.give")
def give(request_id: int):
    """The same form for the logged-in volunteer (from My profile)."""
    try:
        found = feedback.own_request(db.session, current_user, request_id)
    except NotFound:
        abort(404)
    if found.used_at is not None:
        flash(_("This feedback has already been given. Thank you!"), "info")
        return redirect(url_for("volunteers.me"))
    form = FeedbackForm()
    if form.validate_on_submit():
        if not submissions.first_time(db.session, form.submission.data):
            return redirect(url_for("volunteers.me"))
        with saving(form) as saved:
            feedback.submit_by_volunteer(db.session, current_user, request_id, _answers(form))
        if saved:
            flash(_("Thank you for your feedback!"), "success")
            return redirect(url_for("volunteers.me"))
    return _form_page(form, found)


@bp.route("/feedback/pairs/<int:pair_id>", methods=["GET", "POST"])
@requires("feedback.view")
def pair(pair_id: int):
    """A pair's feedback, and the form to record the guardian's answers after a call."""
    try:
        found = feedback.pair_in_scope(db.session, current_user, pair_id)
    except NotFound:
        abort(404)
    form = GuardianFeedbackForm()
    if request.method == "POST":
        if not policy.allowed(current_user, "feedback.record"):
            abort(403)
        if form.validate_on_submit():
            if not submissions.first_time(db.session, form.submission.data):
                return redirect(url_for("feedback.pair", pair_id=pair_id))
            with saving(form) as saved:
                feedback.record_guardian(db.session, current_user, found,
                                         _answers(form, "round"))
            if saved:
                flash(_("The guardian's feedback is recorded."), "success")
                return redirect(url_for("feedback.pair", pair_id=pair_id))
    volunteer = db.session.get(Volunteer, found.volunteer_id)
    child = db.session.get(Child, found.child_id)
    return render_template("feedback/pair.html", pair=found, child=child,
                           volunteer=volunteer, form=form,
                           answers=feedback.for_pairs(db.session, [found.id]))


@bp.route("/feedback/")
@requires("feedback.view")
def summary():
    respondent = request.args.get("respondent", "")
    round_ = request.args.get("round", "")
    figures = feedback.summary(db.session, current_user, respondent or None, round_ or None)
    return render_template("feedback/summary.html", figures=figures, respondent=respondent,
                           round=round_)


@bp.app_context_processor
def feedback_helpers():
    """For the child page (its pairs' answers) and My profile (requests to answer)."""
    def child_feedback(child_id: int):
        pair_ids = db.session.execute(select(Pair.id).where(Pair.child_id == child_id)
                                      ).scalars().all()
        return feedback.for_pairs(db.session, pair_ids)

    def my_feedback_requests():
        if not policy.allowed(current_user, "feedback.give"):
            return []
        return feedback.open_requests(db.session, current_user)

    return {"child_feedback": child_feedback, "my_feedback_requests": my_feedback_requests,
            "feedback_labels": feedback}
