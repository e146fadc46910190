from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from blueprints import codes, edge, limits
from blueprints.auth.codes import start_verification
from blueprints.forms import ActionForm
from blueprints.imports.upload import import_page
from blueprints.transaction import discard, saving
from blueprints.volunteers import bp
from blueprints.volunteers.forms import CheckForm, ReasonForm, SignupForm
from blueprints.web import requires, scoped_or_404, show_problems, tree
from core.errors import DomainError
from extensions import db, limiter
from models import Volunteer
from services import imports
from services.access import audit, otp, policy, submissions
from services.followups import volunteer_home
from services.pairs import lifecycle
from services.registry import signup as public_signup
from services.registry import volunteers
from services.shared.validation import Invalid

STATUS_VERBS = {"vet": "vetted", "reject": "rejected", "suspend": "suspended",
                "reinstate": "vetted"}


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(limits.login_limit, methods=["POST"], key_func=limits.form_phone_key)
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        raw = {**form.data, "skills": form.skills.data}
        try:
            with saving(form) as saved:
                phone_hash = public_signup.start(db.session, raw, tree(),
                                                 codes.client_address(), codes.limits())
        except IntegrityError:  # the same number signed up at the same moment: answer alike
            discard()
            return start_verification(otp.phone_hash_of(raw["phone"]))
        if saved:
            flash(_("Thank you for signing up. Type the code we sent to your mobile to "
                    "finish."), "success")
            return start_verification(phone_hash)
    return render_template("volunteers/signup.html", form=form)


@bp.route("/me")
@login_required
def me():
    volunteer = db.session.execute(
        policy.scoped(db.session, current_user, Volunteer)
        .where(Volunteer.user_id == current_user.id)).scalar_one_or_none()
    if volunteer is None:
        abort(404)
    own_pairs = lifecycle.volunteer_pairs(db.session, volunteer.id)
    return render_template(
        "volunteers/me.html", volunteer=volunteer, pairs=own_pairs,
        due_dates=volunteer_home.upcoming_due_dates(own_pairs),
        reminders=volunteer_home.reminders_sent(db.session, current_user),
        reminder_labels=volunteer_home.REMINDER_LABELS,
        given_names={p["pair_id"]: p["child"]["given_name"] for p in own_pairs})


@bp.route("/")
@requires("volunteer.view")
def index():
    status = request.args.get("status", "")
    query = request.args.get("q", "").strip()
    known = status in ("pending", "vetted", "rejected", "suspended", "recheck_needed")
    stmt = volunteers.search(db.session, current_user, text=query, newest_first=True,
                             status=status if known else None)
    page = edge.paginate(stmt)
    return render_template("volunteers/index.html", page=page, status=status, q=query)


@bp.route("/<int:volunteer_id>")
@requires("volunteer.view")
def detail(volunteer_id: int):
    volunteer = scoped_or_404(Volunteer, volunteer_id)
    return render_template("volunteers/detail.html", volunteer=volunteer,
                           check_form=CheckForm(), reason_form=ReasonForm(),
                           action_form=ActionForm())


@bp.route("/<int:volunteer_id>/reveal-phone", methods=["POST"])
@requires("volunteer.vet")
def reveal_phone(volunteer_id: int):
    """Show the volunteer's phone in full once, on this response only; audited."""
    volunteer = scoped_or_404(Volunteer, volunteer_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    audit.record(db.session, current_user, "volunteer.reveal_phone", "volunteer", volunteer.id)
    return render_template("volunteers/detail.html", volunteer=volunteer,
                           check_form=CheckForm(), reason_form=ReasonForm(),
                           action_form=ActionForm(), revealed_phone=volunteer.phone)


@bp.route("/<int:volunteer_id>/checks", methods=["POST"])
@requires("volunteer.vet")
def record_check(volunteer_id: int):
    volunteer = scoped_or_404(Volunteer, volunteer_id)
    form = CheckForm()
    if form.validate_on_submit():
        if not submissions.first_time(db.session, form.submission.data):
            flash(_("This form was already sent; nothing was saved twice."), "info")
            return redirect(url_for("volunteers.detail", volunteer_id=volunteer.id))
        try:
            volunteers.record_check(db.session, current_user, volunteer,
                                    certificate_no=form.certificate_no.data,
                                    issuing_office=form.issuing_office.data,
                                    issued_on=form.issued_on.data)
        except (Invalid, DomainError) as error:
            show_problems(error)
        else:
            flash(_("Background check recorded."), "success")
    else:
        flash(_("Fill in the certificate number, the issuing office and the date."), "danger")
    return redirect(url_for("volunteers.detail", volunteer_id=volunteer.id))


@bp.route("/<int:volunteer_id>/<any(vet, reject, suspend, reinstate):verb>",
          methods=["POST"])
@requires("volunteer.vet")
def change_status(volunteer_id: int, verb: str):
    volunteer = scoped_or_404(Volunteer, volunteer_id)
    form = ReasonForm() if verb in ("reject", "suspend") else ActionForm()
    if not form.validate_on_submit():
        flash(_("Give a reason."), "danger")
        return redirect(url_for("volunteers.detail", volunteer_id=volunteer.id))
    try:
        volunteers.change_status(db.session, current_user, volunteer, STATUS_VERBS[verb],
                                 getattr(form, "reason", None) and form.reason.data or "")
    except DomainError as error:
        show_problems(error)
    else:
        flash(_("Volunteer status changed."), "success")
    return redirect(url_for("volunteers.detail", volunteer_id=volunteer.id))


@bp.route("/import", methods=["GET", "POST"])
@requires("volunteer.import")
def import_ledger():
    vetted = request.method == "POST" and request.form.get("vetted") == "1"
    if vetted and not policy.allowed(current_user, "volunteer.import_vetted"):
        abort(403)
    return import_page("volunteers", imports.VOLUNTEER_COLUMNS, vetted=vetted)

