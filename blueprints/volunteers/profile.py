"""The volunteer's own pages: edit what they offer, a new number, withdraw."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints import codes
from blueprints.auth.forms import CodeForm
from blueprints.transaction import saving
from blueprints.volunteers import bp
from blueprints.volunteers.forms import NewPhoneForm, ProfileForm, WithdrawForm
from blueprints.web import error_summary
from extensions import db
from models import Volunteer
from services.access import otp, policy
from services.followups import contacts, volunteer_home
from services.registry import profile


def own_volunteer() -> Volunteer:
    """The signed-in volunteer's own profile, else 404."""
    volunteer = db.session.execute(
        policy.scoped(db.session, current_user, Volunteer)
        .where(Volunteer.user_id == current_user.id)).scalar_one_or_none()
    if volunteer is None:
        abort(404)
    return volunteer


def _profile_defaults(volunteer: Volunteer) -> dict:
    return {"skills": sorted(volunteer.skill_set), "capacity": str(volunteer.capacity),
            "max_distance_km": f"{volunteer.max_distance_km:g}",
            "age_min": "" if volunteer.age_min is None else str(volunteer.age_min),
            "age_max": "" if volunteer.age_max is None else str(volunteer.age_max),
            "child_gender": volunteer.child_gender or "any",
            "availability": volunteer.availability}


@bp.route("/me/profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    volunteer = own_volunteer()
    form = ProfileForm(data=None if request.method == "POST" else _profile_defaults(volunteer))
    if form.validate_on_submit():
        with saving(form) as saved:
            profile.update_profile(db.session, current_user, volunteer,
                                   {**form.data, "skills": form.skills.data})
        if saved:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("volunteers.me"))
    return render_template("volunteers/profile.html", form=form, volunteer=volunteer,
                           summary=error_summary(form, ProfileForm.SUMMARY_ORDER))


@bp.route("/me/phone", methods=["GET", "POST"])
@login_required
def new_phone():
    volunteer = own_volunteer()
    form = NewPhoneForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            profile.request_phone_change(db.session, current_user, volunteer, form.phone.data,
                                         codes.client_address(), codes.limits())
        if saved:
            flash(_("We sent a code to the new number. Type it here to use the new number."),
                  "info")
            return redirect(url_for("volunteers.confirm_phone"))
    return render_template("volunteers/phone.html", form=form, volunteer=volunteer,
                           summary=error_summary(form, ("phone",)))


@bp.route("/me/phone/confirm", methods=["GET", "POST"])
@login_required
def confirm_phone():
    volunteer = own_volunteer()
    if not volunteer.pending_phone:
        return redirect(url_for("volunteers.new_phone"))
    form = CodeForm()
    if form.validate_on_submit():
        with saving(keep=(otp.CodeRejected,)) as saved:  # a wrong try counts
            profile.confirm_phone_change(db.session, current_user, volunteer, form.code.data)
        if saved:
            flash(_("Your new number is saved; log in with it from now on."), "success")
            return redirect(url_for("volunteers.me"))
    return render_template("volunteers/phone_code.html", form=form, volunteer=volunteer)


@bp.route("/me/withdraw", methods=["GET", "POST"])
@login_required
def withdraw():
    volunteer = own_volunteer()
    form = WithdrawForm()
    if form.validate_on_submit():
        if not form.confirm.data:
            form.confirm.errors = [_("Tick the box to say you understand, or go back.")]
        else:
            with saving() as saved:
                ended = profile.withdraw(db.session, current_user, volunteer, form.reason.data)
            if saved:
                flash(_("You have left the programme; %(n)s pairs ended and your coordinator "
                        "is told. Thank you for what you did.", n=ended), "success")
                return redirect(url_for("volunteers.me"))
    return render_template("volunteers/withdraw.html", form=form, volunteer=volunteer,
                           summary=error_summary(form, ("reason", "confirm")))


@bp.route("/me/pairs")
@login_required
def my_pairs():
    """Every pair of mine, with the contacts and visits logged and whom to call."""
    volunteer = own_volunteer()
    return render_template("volunteers/pairs.html", volunteer=volunteer,
                           history=volunteer_home.pair_history(db.session, volunteer.id),
                           kinds=contacts.CONTACT_KINDS, moods=contacts.CHILD_MOODS)
