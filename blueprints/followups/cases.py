"""Protection cases (五位一体): the report pages, the case page and its five steps, the
printable report form. Thin views: parse, authorise, call services.followups.cases."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.followups import bp
from blueprints.followups.forms import (
    AssessForm,
    CloseForm,
    OutcomeForm,
    ReferralForm,
    ReportForm,
)
from blueprints.forms import ActionForm
from blueprints.transaction import saving
from blueprints.web import requires, scoped_or_404
from core.clock import now, today_local
from core.errors import NotFound
from extensions import db
from models import Child, ContactLog
from services.access import audit, submissions
from services.followups import cases, contacts
from services.shared.names import given_name


def _case_or_404(concern_id: int):
    try:
        return cases.get_case(db.session, current_user, concern_id)
    except NotFound:
        abort(404)


@bp.route("/pairs/<int:pair_id>/report", methods=["GET", "POST"])
@requires("contact.log")
def volunteer_report(pair_id: int):
    """A volunteer reports a concern about their own pair's child."""
    pair = contacts.pair_of_volunteer(db.session, current_user, pair_id)
    if pair is None or pair.status != "active":
        abort(404)
    return _report(pair.child, pair_id=pair.id, back=url_for("volunteers.me"),
                   child_label=given_name(pair.child.name))


@bp.route("/children/<int:child_id>/report", methods=["GET", "POST"])
@requires("concern.act")
def staff_report(child_id: int):
    """A coordinator records a report: their own, a local contact's, a guardian's call."""
    child = scoped_or_404(Child, child_id)
    return _report(child, back=url_for("children.detail", child_id=child.id),
                   child_label=child.name)


def _report(child, *, back: str, child_label: str, pair_id: int | None = None):
    form = ReportForm()
    if request.method == "GET" and request.args.get("kind") in cases.CONCERN_KINDS:
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        if not submissions.first_time(db.session, form.submission.data):
            flash(_("This form was already sent; nothing was saved twice."), "info")
            return redirect(back)
        with saving(form) as saved:
            case = cases.report(db.session, current_user, child, form.data, pair_id=pair_id)
        if saved:
            if case.immediate_danger:
                return render_template("followups/call_110.html", back=back)
            flash(_("Your report has been sent to the county's coordinators."), "warning")
            return redirect(back)
    return render_template("followups/report.html", form=form, child_label=child_label,
                           back=back, staff=current_user.role != "volunteer")


@bp.route("/concerns/<int:concern_id>")
@requires("concern.act")
def concern(concern_id: int):
    case = _case_or_404(concern_id)
    audit.record(db.session, current_user, "case.view", "concern", case.id)
    contact = db.session.get(ContactLog, case.contact_log_id) if case.contact_log_id else None
    return render_template(
        "followups/case.html", case=case, contact=contact, today=today_local(), now=now(),
        ack_form=ActionForm(), assess_form=AssessForm(obj=case), referral_form=ReferralForm(
            referred_on=today_local()), close_form=CloseForm(prefix="close"), cases=cases,
        outcome_forms={r.id: OutcomeForm(prefix=f"referral{r.id}", outcome_on=today_local())
                       for r in case.referrals})


@bp.route("/concerns/<int:concern_id>/form")
@requires("concern.act")
def report_form(concern_id: int):
    """强制报告登记表: the printable form for public security, filled from the case."""
    case = _case_or_404(concern_id)
    audit.record(db.session, current_user, "case.print", "concern", case.id)
    return render_template("followups/report_form.html", case=case, cases=cases,
                           printed_at=now())


def _step(concern_id: int, form, act, done: str):
    case = _case_or_404(concern_id)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
    else:
        with saving() as saved:
            act(case)
        if saved:
            flash(done, "success")
    return redirect(url_for("followups.concern", concern_id=concern_id))


@bp.route("/concerns/<int:concern_id>/acknowledge", methods=["POST"])
@requires("concern.act")
def acknowledge(concern_id: int):
    return _step(concern_id, ActionForm(),
                 lambda case: cases.acknowledge(db.session, current_user, case),
                 _("Case acknowledged (受理). Assess it next."))


@bp.route("/concerns/<int:concern_id>/assess", methods=["POST"])
@requires("concern.act")
def assess(concern_id: int):
    form = AssessForm()
    return _step(concern_id, form,
                 lambda case: cases.assess(db.session, current_user, case, form.data),
                 _("Assessment saved."))


@bp.route("/concerns/<int:concern_id>/referrals", methods=["POST"])
@requires("concern.act")
def refer(concern_id: int):
    form = ReferralForm()
    return _step(concern_id, form,
                 lambda case: cases.refer(db.session, current_user, case, form.data),
                 _("Referral recorded."))


@bp.route("/concerns/<int:concern_id>/referrals/<int:referral_id>/outcome", methods=["POST"])
@requires("concern.act")
def referral_outcome(concern_id: int, referral_id: int):
    form = OutcomeForm(prefix=f"referral{referral_id}")

    def act(case):
        try:
            cases.record_outcome(db.session, current_user, case, referral_id, form.data)
        except NotFound:
            abort(404)

    return _step(concern_id, form, act, _("Outcome recorded."))


@bp.route("/concerns/<int:concern_id>/close", methods=["POST"])
@requires("concern.act")
def close(concern_id: int):
    form = CloseForm(prefix="close")
    return _step(concern_id, form,
                 lambda case: cases.close(db.session, current_user, case, form.data),
                 _("The case is closed (办结); it stays in the child's file (一人一档)."))
