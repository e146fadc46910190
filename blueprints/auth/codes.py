"""Pages for one-time codes: verifying a new volunteer's phone, resetting a password.

Which number a code is for is kept in the session as its lookup hash, never in clear.
"""

from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import login_user

from blueprints import codes, limits
from blueprints.auth import bp
from blueprints.auth.forms import CodeForm, ResetForm, ResetRequestForm
from blueprints.forms import ActionForm
from blueprints.transaction import saving
from extensions import db, limiter
from services.access import otp

VERIFY_KEY = "verify_phone_hash"
RESET_KEY = "reset_phone_hash"


def start_verification(phone_hash: str):
    """Send the person to the page where they type the code sent to their phone."""
    session[VERIFY_KEY] = phone_hash
    return redirect(url_for("auth.verify"))


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(limits.login_limit, methods=["POST"],
               key_func=limits.session_phone_key(VERIFY_KEY))
def verify():
    phone_hash = session.get(VERIFY_KEY)
    if not phone_hash:
        flash(_("Log in with your mobile number and password to verify it."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        with saving(form, keep=(otp.CodeRejected,)) as saved:  # a wrong try counts
            user = otp.confirm_signup(db.session, phone_hash, form.code.data)
        if saved:
            session.clear()
            login_user(user)
            flash(_("Your number is verified. A coordinator will check your application."),
                  "success")
            return redirect(url_for("volunteers.me"))
    return render_template("auth/verify.html", form=form, resend_form=ActionForm())


@bp.route("/verify/resend", methods=["POST"])
def resend():
    phone_hash = session.get(VERIFY_KEY)
    if not phone_hash or not ActionForm().validate_on_submit():
        return redirect(url_for("auth.login"))
    with saving() as saved:
        otp.resend_signup_code(db.session, phone_hash, codes.client_address(), codes.limits())
    if saved:
        flash(_("A new code is on its way."), "success")
    return redirect(url_for("auth.verify"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(limits.login_limit, methods=["POST"], key_func=limits.form_phone_key)
def reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            phone_hash = otp.request_reset(db.session, form.phone.data,
                                           codes.client_address(), codes.limits())
        if saved:
            session[RESET_KEY] = phone_hash
            flash(_("If an account uses this number, a code is on its way to it."), "info")
            return redirect(url_for("auth.reset_code"))
    return render_template("auth/reset.html", form=form)


@bp.route("/reset/code", methods=["GET", "POST"])
@limiter.limit(limits.login_limit, methods=["POST"],
               key_func=limits.session_phone_key(RESET_KEY))
def reset_code():
    phone_hash = session.get(RESET_KEY)
    if not phone_hash:
        return redirect(url_for("auth.reset"))
    form = ResetForm()
    if form.validate_on_submit():
        with saving(form, keep=(otp.CodeRejected,)) as saved:  # a wrong try counts
            otp.reset_password(db.session, phone_hash, form.code.data, form.new.data)
        if saved:
            session.pop(RESET_KEY, None)
            flash(_("Your password is changed; log in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_code.html", form=form)
