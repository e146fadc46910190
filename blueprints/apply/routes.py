"""Apply for a child (自主申报): prove the number by code, fill in, consent, get a reference.

The proven number is kept in the session encrypted, with the time it was proven; the
form is open for PROVEN_FOR after that. Nothing typed is ever shown back except to the
same session, and the status page shows the status only.
"""

from datetime import datetime, timedelta

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from blueprints import codes
from blueprints.apply import bp
from blueprints.apply.forms import ApplicationForm, CodeForm, PhoneForm, StatusForm
from blueprints.transaction import saving
from blueprints.web import tree
from core import crypto
from core.clock import now
from extensions import db, limiter
from services.access import otp
from services.applications import intake
from services.applications.notice import NOTICE, NOTICE_VERSION

PHONE_KEY = "apply_phone"
PROVEN_KEY = "apply_proven_at"
STATUS_KEY = "status_lookup"
PROVEN_FOR = timedelta(minutes=30)
FIELDS = ("applicant_name", "applicant_relation", "child_name", "child_gender",
          "child_birth_date", "region_code", "township", "category", "sub_type",
          "hukou_region_code", "needs", "situation", "consent", "signature")


def _try_limit() -> str:
    return current_app.config["LOGIN_LIMITS"]


def _code_key() -> str:
    return f"{request.remote_addr}|{session.get(PHONE_KEY, '')[:16]}"


def _proven_phone() -> str | None:
    """The applicant's number, if proven by a code less than PROVEN_FOR ago."""
    proven = session.get(PROVEN_KEY)
    if not proven or not session.get(PHONE_KEY):
        return None
    if now() - datetime.fromisoformat(proven) > PROVEN_FOR:
        return None
    return crypto.decrypt(session[PHONE_KEY])


@bp.route("/apply/", methods=["GET", "POST"])
def start():
    form = PhoneForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            phone = intake.send_apply_code(db.session, form.phone.data,
                                           codes.client_address(), codes.limits())
        if saved:
            session.pop(PROVEN_KEY, None)
            session[PHONE_KEY] = crypto.encrypt(phone)
            return redirect(url_for("apply.code"))
    return render_template("apply/start.html", form=form)


@bp.route("/apply/code", methods=["GET", "POST"])
@limiter.limit(_try_limit, methods=["POST"], key_func=_code_key)
def code():
    if not session.get(PHONE_KEY):
        return redirect(url_for("apply.start"))
    form = CodeForm()
    if form.validate_on_submit():
        with saving(form, keep=(otp.CodeRejected,)) as saved:  # a wrong try counts
            intake.confirm_apply_code(db.session, crypto.decrypt(session[PHONE_KEY]),
                                      form.code.data)
        if saved:
            session[PROVEN_KEY] = now().isoformat()
            return redirect(url_for("apply.form"))
    return render_template("apply/code.html", form=form)


@bp.route("/apply/form", methods=["GET", "POST"])
def form():
    phone = _proven_phone()
    if phone is None:
        flash(_("First prove your mobile number with a code."), "info")
        return redirect(url_for("apply.start"))
    form = ApplicationForm()
    if form.validate_on_submit():
        raw = {name: form[name].data for name in FIELDS}
        with saving(form) as saved:
            application = intake.submit(
                db.session, phone, raw, tree(), notice_text=_(NOTICE),
                notice_version=request.form.get("notice_version", ""),
                client=codes.client_address())
        if saved:
            session.pop(PROVEN_KEY, None)
            session.pop(PHONE_KEY, None)
            session["apply_reference"] = application.reference
            return redirect(url_for("apply.sent"))
    elif request.method == "POST":
        flash(_("Some answers need fixing; see the messages below each field."), "danger")
    return render_template("apply/form.html", form=form, notice=_(NOTICE),
                           notice_version=NOTICE_VERSION)


@bp.route("/apply/sent")
def sent():
    reference = session.pop("apply_reference", None)
    if reference is None:
        return redirect(url_for("apply.start"))
    return render_template("apply/sent.html", reference=reference)


@bp.route("/apply/status", methods=["GET", "POST"])
def status():
    form = StatusForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            phone_hash = intake.request_status_code(
                db.session, form.reference.data, form.phone.data, codes.client_address(),
                codes.limits())
        if saved:
            session[STATUS_KEY] = {"reference": form.reference.data.strip().upper(),
                                   "phone_hash": phone_hash}
            flash(_("If this reference was sent to this number, a code is on its way."),
                  "info")
            return redirect(url_for("apply.status_code"))
    return render_template("apply/status.html", form=form)


def _status_key() -> str:
    return f"{request.remote_addr}|{(session.get(STATUS_KEY) or {}).get('phone_hash', '')}"


@bp.route("/apply/status/code", methods=["GET", "POST"])
@limiter.limit(_try_limit, methods=["POST"], key_func=_status_key)
def status_code():
    lookup = session.get(STATUS_KEY)
    if not lookup:
        return redirect(url_for("apply.status"))
    form = CodeForm()
    if form.validate_on_submit():
        with saving(form, keep=(otp.CodeRejected,)) as saved:  # a wrong try counts
            found = intake.read_status(db.session, lookup["reference"], lookup["phone_hash"],
                                       form.code.data)
        if saved:
            session.pop(STATUS_KEY, None)
            return render_template("apply/status_result.html", found=found)
    return render_template("apply/code.html", form=form, for_status=True)
