"""The volunteer's own service record: hours per month and in total, the certificate."""

from flask import current_app, make_response, redirect, render_template, url_for
from flask_login import login_required

from blueprints.service_records import bp
from blueprints.transaction import saving
from blueprints.volunteers.profile import own_volunteer
from blueprints.web import tree
from core import site
from extensions import db
from services.service_records import certificates, records


@bp.route("/volunteers/me/hours")
@login_required
def my_hours():
    volunteer = own_volunteer()
    return render_template("service_records/my_hours.html", volunteer=volunteer,
                           record=records.hours_of(db.session, volunteer.id),
                           waiting=records.waiting_minutes(db.session, volunteer.id),
                           hours=records.hours)


def issuer_of(region_code: str) -> str:
    """The issuing organisation: the setting, else the volunteer's county programme."""
    configured = current_app.config.get("CERTIFICATE_ISSUER")
    return configured or f"{tree().full_name(region_code)}“牵手童行”项目组织单位"


@bp.route("/volunteers/me/certificate.pdf")
@login_required
def my_certificate():
    volunteer = own_volunteer()
    with saving() as saved:
        certificate = certificates.issue(db.session, volunteer, issuer_of(volunteer.region_code))
    if not saved:
        return redirect(url_for("service_records.my_hours"))
    verify_url = site.public_link(url_for("service_records.verify", code=certificate.code))
    response = make_response(certificates.render_pdf(certificate, verify_url))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = \
        f'attachment; filename="service-record-{certificate.code}.pdf"'
    return response
