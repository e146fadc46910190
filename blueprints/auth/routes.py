from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from blueprints.auth import bp
from blueprints.auth.forms import LoginForm, PasswordForm
from blueprints.web import safe_next, show_problems
from extensions import db, limiter
from services import accounts
from services.errors import DomainError


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMITS"]


def _phone_key() -> str:
    """Throttle per client address and number, so nobody can lock out another person."""
    return f"{request.remote_addr}|{request.form.get('phone', '')}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_phone_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.phone.data, form.password.data)
        if user is None:
            flash(_("Wrong mobile number or password."), "danger")
        else:
            session.clear()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(db.session, current_user, form.current.data, form.new.data)
        except DomainError as error:
            show_problems(error)
        else:
            db.session.commit()
            login_user(current_user)  # keep this session under the new token
            flash(_("Your password is changed; other devices are logged out."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)
