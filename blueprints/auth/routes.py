from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from blueprints import codes, limits
from blueprints.auth import bp
from blueprints.auth.codes import start_verification
from blueprints.auth.forms import LoginForm, PasswordForm, TokenForm
from blueprints.forms import ActionForm
from blueprints.transaction import saving
from blueprints.web import requires, safe_next
from extensions import db, limiter
from services.access import accounts, api_tokens, otp, policy


def _clear_session_keeping_language() -> None:
    """A fresh session at log-in and log-out; the language the person picked stays."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


@bp.route("/login", methods=["GET", "POST"])
# Per client address and number, so nobody can lock out another person.
@limiter.limit(limits.login_limit, methods=["POST"], key_func=limits.form_phone_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.password_owner(db.session, form.phone.data, form.password.data)
        if user is not None and user.phone_verified_at is None:
            return _verify_first(user)
        if user is None or not user.active:
            flash(_("Wrong mobile number or password."), "danger")
        else:
            _clear_session_keeping_language()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


def _verify_first(user):
    """A right password on an account whose phone is not verified: send a fresh code
    (unless one went out less than a minute ago) and ask for it."""
    try:
        otp.issue(db.session, user.phone, "signup", codes.client_address(), codes.limits(),
                  user=user)
    except otp.TooManyCodes:
        pass  # a code went out less than a minute ago (nothing was written): ask for that one
    flash(_("Verify your mobile number first: type the code we sent to it."), "info")
    return start_verification(user.phone_hash)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    current_user.end_sessions()
    logout_user()
    _clear_session_keeping_language()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        with saving() as saved:
            accounts.change_password(db.session, current_user, form.current.data, form.new.data)
        if saved:
            login_user(current_user._get_current_object())  # this session, under the new token
            flash(_("Your password is changed; other devices are logged out."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)


@bp.route("/tokens", methods=["GET", "POST"])
@requires("token.own")
def tokens():
    """Every user's own tokens (a volunteer's come from the mini-program's log-in), to
    revoke; staff also create personal API tokens here, shown on this page once only."""
    form = TokenForm()
    new_token = None
    if request.method == "POST" and not policy.allowed(current_user, "api.tokens"):
        abort(403)
    if form.validate_on_submit():
        with saving():
            new_token, _ = api_tokens.create_token(db.session, current_user, form.name.data,
                                                   form.days.data)
    mine = api_tokens.own_tokens(db.session, current_user)
    response = make_response(render_template("auth/tokens.html", form=form, tokens=mine,
                                             new_token=new_token, action_form=ActionForm()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@requires("token.own")
def revoke_token(token_id: int):
    if ActionForm().validate_on_submit():
        with saving() as saved:
            api_tokens.revoke(db.session, current_user, token_id)
        if saved:
            flash(_("Token revoked."), "success")
    return redirect(url_for("auth.tokens"))
