from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from blueprints import edge
from blueprints.followups import bp
from blueprints.followups.forms import ContactEditForm, ContactForm, OptOutForm, SettingsForm
from blueprints.transaction import saving
from blueprints.web import requires
from core.clock import now, today_local
from core.errors import NotFound
from extensions import db
from models import Concern, OutboxMessage, Pair
from services.access import policy, submissions
from services.followups import contacts, opt_outs, volunteer_home, watch, welfare_contacts
from services.settings import get_settings, update_settings
from services.shared.names import given_name
from services.shared.phones import normalise_phone
from services.sms import display


@bp.route("/pairs/<int:pair_id>/contact", methods=["GET", "POST"])
@requires("contact.log")
def log_contact(pair_id: int):
    pair = contacts.pair_of_volunteer(db.session, current_user, pair_id)
    if pair is None:
        abort(404)
    form = ContactForm()
    if request.method == "GET":
        form.contact_date.data = today_local()
        form.kind.data = volunteer_home.usual_contact_kind(db.session, current_user, pair.id)
    if form.validate_on_submit():
        if not submissions.first_time(db.session, form.submission.data):
            flash(_("This form was already sent; nothing was saved twice."), "info")
            return redirect(url_for("volunteers.me"))
        with saving(form) as saved:
            contacts.log_contact(db.session, current_user, pair, form.data)
        if saved:
            flash(_("Contact logged. Thank you!"), "success")
            if form.concern_kind.data:
                flash(_("Your concern has been sent to the county's coordinators."), "warning")
            return redirect(url_for("volunteers.me"))
    return render_template("followups/contact.html", form=form, pair=pair,
                           child_given_name=given_name(pair.child.name))


@bp.route("/pairs/<int:pair_id>/history")
@requires("contact.log")
def history(pair_id: int):
    """The volunteer's own log of this pair; corrections allowed for 24 hours."""
    pair = contacts.pair_of_volunteer(db.session, current_user, pair_id)
    if pair is None:
        abort(404)
    return render_template("followups/history.html", pair=pair,
                           child_given_name=given_name(pair.child.name),
                           contact_kinds=contacts.CONTACT_KINDS, child_moods=contacts.CHILD_MOODS,
                           **contacts.own_history(db.session, current_user, pair))


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@requires("contact.log")
def edit_contact(contact_id: int):
    entry = contacts.own_contact(db.session, current_user, contact_id)
    if entry is None:
        abort(404)
    form = ContactEditForm(obj=entry)
    back = url_for("followups.history", pair_id=entry.pair_id)
    if form.validate_on_submit():
        with saving(form) as saved:
            contacts.edit_contact(db.session, current_user, entry, form.data)
        if saved:
            flash(_("Your correction is saved."), "success")
            return redirect(back)
    return render_template("followups/edit_contact.html", form=form, entry=entry, back=back,
                           child_given_name=given_name(entry.pair.child.name))


@bp.route("/")
@requires("followup.view")
def index():
    today = today_local()
    figures = contacts.compliance(db.session, current_user, today)
    overdue = db.session.execute(
        policy.scoped_pairs(db.session, current_user)
        .where(Pair.status == "active",
               (Pair.next_contact_due < today) | (Pair.next_visit_due < today))
        .order_by(Pair.next_contact_due).limit(100)).scalars().all()
    concerns = _open_concerns()
    local_contacts = welfare_contacts.effective_contacts(db.session, [p.child for p in overdue])
    return render_template("followups/index.html", figures=figures, overdue=overdue,
                           concerns=concerns, today=today, local_contacts=local_contacts)


def _open_concerns():
    return db.session.execute(
        policy.scoped_by_child(db.session, current_user, Concern)
        .where(Concern.status == "open").order_by(Concern.created_at)).scalars().all()


@bp.route("/watch")
@requires("followup.view")
def watch_list():
    """监测预防: children with a warning signal, each with its reasons."""
    items = watch.watch_list(db.session, current_user, today_local(),
                             get_settings(db.session))
    return render_template("followups/watch.html", items=items, reasons=watch.REASONS,
                           suggested=watch.SUGGESTED_KIND)


@bp.route("/outbox")
@requires("sms.view")
def outbox():
    status = request.args.get("status", "")
    stmt = policy.scoped_by_child(db.session, current_user, OutboxMessage).order_by(
        OutboxMessage.id.desc())
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    page = edge.paginate(stmt)
    stopped = opt_outs.visible_opt_outs(db.session, current_user) \
        if policy.allowed(current_user, "sms.opt_out") else []
    return render_template("followups/outbox.html", page=page, status=status,
                           form=OptOutForm(), message_text=display.message_text,
                           why=display.why, moment=now(), opt_outs=stopped)


@bp.route("/outbox/opt-out", methods=["POST"])
@requires("sms.opt_out")
def opt_out():
    form = OptOutForm()
    if form.validate_on_submit():
        try:
            phone = normalise_phone(form.phone.data)
        except ValueError:
            flash(_("%(value)s is not a valid mainland mobile number.", value=form.phone.data),
                  "danger")
            return redirect(url_for("followups.outbox"))
        with saving() as saved:
            opt_outs.opt_out_number(db.session, current_user, phone, form.note.data)
        if saved:
            flash(_("This number will get no more reminders or notices. Concern alerts and "
                    "codes the person asks for still reach it."), "success")
    return redirect(url_for("followups.outbox"))


@bp.route("/outbox/opt-outs/<int:opt_out_id>/undo", methods=["POST"])
@requires("sms.opt_out")
def undo_opt_out(opt_out_id: int):
    try:
        opt_outs.undo_opt_out(db.session, current_user, opt_out_id)
    except NotFound:
        abort(404)
    flash(_("SMS to this number are switched on again."), "success")
    return redirect(url_for("followups.outbox"))


@bp.route("/settings", methods=["GET", "POST"])
@requires("settings.manage")
def settings():
    current = get_settings(db.session)
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        with saving(form) as saved:
            update_settings(db.session, current_user, form.data)
        if saved:
            flash(_("Settings saved."), "success")
            return redirect(url_for("followups.settings"))
    return render_template("followups/settings.html", form=form)


def open_concern_count() -> int:

    return db.session.execute(policy.scoped_by_child(
        db.session, current_user, Concern, select(func.count(Concern.id)))
        .where(Concern.status == "open")).scalar_one()


def open_cases_for_alert(limit: int = 5) -> list[Concern]:
    """The open cases the home page's alert links to: immediate danger and unacknowledged
    first, then the oldest."""
    return db.session.execute(
        policy.scoped_by_child(db.session, current_user, Concern)
        .where(Concern.status == "open")
        .order_by(Concern.immediate_danger.desc(), Concern.acknowledged_at.is_not(None),
                  Concern.created_at).limit(limit)).scalars().all()
