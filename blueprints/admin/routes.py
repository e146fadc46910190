from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from blueprints.admin import bp
from blueprints.admin.forms import CoordinatorForm, RegionsForm
from blueprints.forms import ActionForm
from blueprints.transaction import saving
from blueprints.web import requires
from extensions import db
from models import User
from services.access import accounts


def _staff(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role == "volunteer":
        abort(404)
    return user


@bp.route("/users")
@requires("users.manage")
def users():
    staff = db.session.execute(
        select(User).where(User.role != "volunteer").order_by(User.role, User.name)
    ).scalars().all()
    return render_template("admin/users.html", users=staff, action_form=ActionForm())


@bp.route("/users/new", methods=["GET", "POST"])
@requires("users.manage")
def new_user():
    form = CoordinatorForm()
    if form.validate_on_submit():
        with saving() as saved:
            accounts.create_user(db.session, role=form.role.data, name=form.name.data,
                                 phone=form.phone.data, password=form.password.data,
                                 regions=(form.regions.data or "").split())
        if saved:
            flash(_("Account created."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form)


@bp.route("/users/<int:user_id>/regions", methods=["GET", "POST"])
@requires("users.manage")
def user_regions(user_id: int):
    user = _staff(user_id)
    form = RegionsForm(regions=" ".join(user.region_codes))
    if form.validate_on_submit():
        with saving() as saved:
            accounts.set_regions(db.session, user, form.regions.data.split())
        if saved:
            flash(_("Regions saved."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/regions.html", form=form, user=user)


@bp.route("/users/<int:user_id>/<any(enable, disable):verb>", methods=["POST"])
@requires("users.manage")
def toggle(user_id: int, verb: str):
    user = _staff(user_id)
    if ActionForm().validate_on_submit():
        accounts.set_active(db.session, user, verb == "enable")
        flash(_("Account updated."), "success")
    return redirect(url_for("admin.users"))
