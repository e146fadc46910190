from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints import edge
from blueprints.children import bp
from blueprints.children.duplicates import flash_notices
from blueprints.children.forms import ChildForm, ConsentForm, LeavingForm, NewChildForm
from blueprints.forms import ActionForm
from blueprints.imports.upload import import_page
from blueprints.transaction import saving
from blueprints.web import requires, scoped_or_404, show_problems, tree
from core.clock import now
from core.errors import DomainError
from extensions import db
from models import Child
from services import imports
from services.access import audit, audit_words, policy, submissions
from services.duplicates import review
from services.pairs import history as pairing
from services.pairs.repairing import END_CAUSES
from services.registry import children
from services.reports import child_file
from services.shared import taxonomy
from services.shared.validation import Invalid


def _raw(form) -> dict:
    """The child's fields from a form: only the listed fields, never anything else."""
    return {name: form[name].data for name in children.CHILD_FIELDS + ("id_number",)}


@bp.route("/")
@requires("child.view")
def index():
    query = request.args.get("q", "").strip()
    priority = request.args.get("priority", "")
    category = request.args.get("category", "")
    stmt = children.search(db.session, current_user, text=query, newest_first=True,
                           priority=priority if priority in taxonomy.PRIORITIES else None,
                           category=category if category in taxonomy.CATEGORIES else None)
    page = edge.paginate(stmt)
    audit.record_many(db.session, current_user, "child.list", "child", [c.id for c in page.items])
    return render_template("children/index.html", page=page, q=query, priority=priority,
                           category=category)


@bp.route("/new", methods=["GET", "POST"])
@requires("child.create")
def new():
    form = NewChildForm()
    if form.validate_on_submit():
        consent = None
        if form.consent_given.data:
            consent = {"given_by": form.consent_given_by.data,
                       "relation": form.guardian_relation.data,
                       "method": form.consent_method.data,
                       "given_on": form.consent_given_on.data}
        if not submissions.first_time(db.session, form.submission.data):
            flash(_("This form was already sent; nothing was saved twice."), "info")
            return redirect(url_for("children.index"))
        with saving(form) as saved:
            child = children.register_child(db.session, current_user, _raw(form), tree(),
                                            consent)
        if saved:
            flash(_("Child registered."), "success")
            flash_notices(child.duplicate_notices)
            return redirect(url_for("children.detail", child_id=child.id))
    return render_template("children/form.html", form=form, child=None)


@bp.route("/<int:child_id>/file")
@requires("child.view")
def file(child_id: int):
    """一人一档: the child's whole story, filtered by kind; ``?print=1`` for A4."""
    child = scoped_or_404(Child, child_id)
    kinds = set(request.args.getlist("kind")) & set(child_file.KINDS)
    printing = request.args.get("print") == "1"
    audit.record(db.session, current_user, "child.file_print" if printing else "child.file",
                 "child", child.id, kinds=sorted(kinds))
    return render_template("children/file_print.html" if printing else "children/file.html",
                           child=child, entries=child_file.timeline(db.session, child, kinds),
                           pairs=child_file.pairs_of(db.session, child.id), kinds=kinds,
                           labels=child_file.LABELS, printed_at=now())


@bp.route("/<int:child_id>")
@requires("child.view")
def detail(child_id: int):
    child = scoped_or_404(Child, child_id)
    audit.record(db.session, current_user, "child.view", "child", child.id)
    return render_template("children/detail.html", child=child, consent_form=ConsentForm(),
                           action_form=ActionForm(), leaving_form=LeavingForm(),
                           duplicate_notices=review.notices_for(
                               db.session, current_user, [child.id]),
                           **_history_context(child))


def _history_context(child: Child) -> dict:
    """The child's pairing history (pairs and rejected proposals, with their reasons)."""
    return {"pairing_history": pairing.child_history(db.session, child.id),
            "end_causes": END_CAUSES, "reject_causes": pairing.REJECT_CAUSES}


@bp.route("/<int:child_id>/leave", methods=["POST"])
@requires("child.edit")
def leave(child_id: int):
    child = scoped_or_404(Child, child_id)
    form = LeavingForm()
    if form.validate_on_submit():
        with saving() as saved:
            children.record_leaving(db.session, current_user, child, form.data)
        if saved:
            flash(_("Recorded: the child has left the programme."), "success")
    else:
        flash(_("Give the date and the reason."), "danger")
    return redirect(url_for("children.detail", child_id=child.id))


@bp.route("/<int:child_id>/reveal/<any(id_number, guardian_phone):field>", methods=["POST"])
@requires("child.reveal")
def reveal(child_id: int, field: str):
    """Show an ID number or phone in full once, on this response only; audited."""
    child = scoped_or_404(Child, child_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    revealed = children.reveal(db.session, current_user, child, field)
    return render_template("children/detail.html", child=child, consent_form=ConsentForm(),
                           action_form=ActionForm(), leaving_form=LeavingForm(),
                           revealed={field: revealed}, **_history_context(child))


@bp.route("/<int:child_id>/history")
@requires("audit.view")
def history(child_id: int):
    """Who viewed or changed this child's record, when, and from where."""
    child = scoped_or_404(Child, child_id)
    return render_template("children/history.html", child=child,
                           entries=audit_words.history_rows(db.session, "child", child.id))


@bp.route("/<int:child_id>/edit", methods=["GET", "POST"])
@requires("child.edit")
def edit(child_id: int):
    child = scoped_or_404(Child, child_id)
    form = ChildForm(obj=child)
    if request.method == "GET":
        form.needs.data = sorted(child.need_set)
        form.id_number.data = ""
        # The form holds the guardian's phone in full: seeing it is a reveal, audited.
        if not policy.allowed(current_user, "child.reveal"):
            abort(403)
        children.reveal(db.session, current_user, child, "guardian_phone")
    if form.validate_on_submit():
        with saving(form) as saved:
            children.update_child(db.session, current_user, child, _raw(form), tree())
        if saved:
            flash(_("Changes saved."), "success")
            flash_notices(child.duplicate_notices)
            return redirect(url_for("children.detail", child_id=child.id))
    return render_template("children/form.html", form=form, child=child)


@bp.route("/<int:child_id>/consent", methods=["POST"])
@requires("child.edit")
def consent(child_id: int):
    child = scoped_or_404(Child, child_id)
    form = ConsentForm()
    if form.validate_on_submit():
        try:
            children.record_consent(db.session, current_user, child, form.data)
        except (Invalid, DomainError) as error:
            show_problems(error)
        else:
            flash(_("Consent recorded."), "success")
    else:
        flash(_("Fill in who consented, how and when."), "danger")
    return redirect(url_for("children.detail", child_id=child.id))


@bp.route("/<int:child_id>/consent/withdraw", methods=["POST"])
@requires("child.edit")
def withdraw_consent(child_id: int):
    child = scoped_or_404(Child, child_id)
    if ActionForm().validate_on_submit():
        try:
            children.withdraw_consent(db.session, current_user, child)
        except DomainError as error:
            show_problems(error)
        else:
            flash(_("Consent withdrawn: the child will not be matched or messaged."),
                  "warning")
    return redirect(url_for("children.detail", child_id=child.id))


@bp.route("/import", methods=["GET", "POST"])
@requires("child.import")
def import_ledger():
    return import_page("children", imports.CHILD_COLUMNS)
