"""Coordinators confirm and correct service time; the county's hours as a workbook; the
public check of a certificate."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.forms import ActionForm
from blueprints.service_records import bp
from blueprints.transaction import saving
from blueprints.web import requires, show_problems
from core.clock import today_local
from core.errors import DomainError, NotFound
from extensions import db, limiter
from services.access import policy
from services.followups.contacts import CONTACT_KINDS
from services.reports.ledgers import month_bounds, parse_month
from services.service_records import certificates, export, records


def _county_and_month():
    """The county (one the user covers) and month asked for; this month by default."""
    counties = sorted(policy.county_scope(db.session, current_user) or [])
    county = request.values.get("county") or (counties[0] if len(counties) == 1 else "")
    if county and not policy.covers_region(db.session, current_user, county):
        abort(404)
    try:
        first = parse_month(request.values.get("month") or today_local().strftime("%Y-%m"))
    except DomainError as error:
        show_problems(error)
        first = today_local().replace(day=1)
    return county, first


def _back(county: str, first):
    return redirect(url_for("service_records.index", county=county,
                            month=first.strftime("%Y-%m")))


@bp.route("/service-records/")
@requires("service.confirm")
def index():
    county, first = _county_and_month()
    start, end = month_bounds(first)
    return render_template(
        "service_records/index.html", county=county, month=first.strftime("%Y-%m"),
        waiting=records.waiting(db.session, current_user, county or None, start, end),
        confirmed=records.confirmed(db.session, current_user, county or None, start, end),
        kinds=CONTACT_KINDS, hours=records.hours, action_form=ActionForm())


@bp.route("/service-records/contacts/<int:contact_id>/confirm", methods=["POST"])
@requires("service.confirm")
def confirm_one(contact_id: int):
    county, first = _county_and_month()
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        added = records.confirm_one(db.session, current_user, contact_id)
    except NotFound:
        abort(404)
    flash(_("Confirmed as service time.") if added else
          _("This contact already counts as service time."), "success")
    return _back(county, first)


@bp.route("/service-records/confirm-month", methods=["POST"])
@requires("service.confirm")
def confirm_month():
    county, first = _county_and_month()
    if not county or not ActionForm().validate_on_submit():
        flash(_("Choose a county first."), "danger")
        return _back(county, first)
    start, end = month_bounds(first)
    try:
        added = records.confirm_month(db.session, current_user, county, start, end)
    except NotFound:
        abort(404)
    flash(_("%(n)s contacts confirmed as service time.", n=added), "success")
    return _back(county, first)


@bp.route("/service-records/<int:record_id>/correct", methods=["POST"])
@requires("service.confirm")
def correct(record_id: int):
    county, first = _county_and_month()
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        with saving() as saved:
            records.correct(db.session, current_user, record_id, request.form.get("minutes"),
                            request.form.get("reason", ""))
    except NotFound:
        abort(404)
    if saved:
        flash(_("The record is corrected; the change and its reason are kept."), "success")
    return _back(county, first)


@bp.route("/service-records/hours.xlsx")
@requires("service.confirm")
def export_hours():
    county, first = _county_and_month()
    if not county:
        flash(_("Choose a county first."), "danger")
        return _back(county, first)
    start, end = month_bounds(first)
    body = export.hours_workbook(db.session, current_user, county, start, end)
    response = make_response(body)
    response.headers["Content-Type"] = \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = \
        f'attachment; filename="service-hours-{county}-{first:%Y-%m}.xlsx"'
    return response


@bp.route("/verify/<code>")
@limiter.limit("20 per minute")
def verify(code: str):
    """Public: the facts a certificate states, so anyone can check it is real."""
    certificate = certificates.find(db.session, code)
    if certificate is None:
        return render_template("service_records/verify.html", facts=None), 404
    return render_template("service_records/verify.html",
                           facts=certificates.facts(certificate))
