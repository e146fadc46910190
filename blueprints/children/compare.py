"""Compare another department's list with the registry (比对), then import its new rows.

The comparison page writes nothing to the registry; only the coordinator who uploaded a
list reads its comparison (anyone else gets a 404).
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from blueprints.children import bp
from blueprints.forms import ActionForm, UploadForm
from blueprints.web import label, requires, translate, tree
from core.errors import NotFound
from extensions import db
from services.imports import ImportFailed, compare, headers
from services.shared import taxonomy
from services.shared.phones import mask_phone

#: What each compared field is called on the child's form.
FIELD_LABELS = {"name": _l("Name"), "gender": _l("Gender"), "birth_date": _l("Birth date"),
                "region_code": _l("County"), "township": _l("Township and village"),
                "category": _l("Category"), "sub_type": _l("Situation"),
                "hukou_region_code": _l("Household registration"), "needs": _l("Needs"),
                "priority": _l("Priority"), "guardian_name": _l("Guardian's name"),
                "guardian_relation": _l("Guardian's relation"),
                "guardian_phone": _l("Guardian's mobile number"), "school": _l("School")}
#: Fields holding a code, with the table of its words.
CODED = {"gender": taxonomy.GENDERS, "category": taxonomy.CATEGORIES,
         "sub_type": taxonomy.SUB_TYPES, "priority": taxonomy.PRIORITIES,
         "guardian_relation": taxonomy.GUARDIAN_RELATIONS}


def shown_value(field: str, value) -> str:
    """A compared value as the child's page shows it: words for codes, a county's full
    name, needs listed, the phone masked."""
    if value is None or value == "":
        return ""
    if field in CODED:
        return label(CODED[field], value)
    if field in ("region_code", "hukou_region_code"):
        return tree().full_name(str(value)) or str(value)
    if field == "needs":
        codes = value.split(";") if isinstance(value, str) else list(value)
        return "、".join(label(taxonomy.NEEDS, code) for code in codes if code)
    if field == "guardian_phone":
        return mask_phone(value)
    return str(value)


def _held_or_404(comparison_id: int):
    try:
        return compare.get_held(db.session, current_user, comparison_id)
    except NotFound:
        abort(404)


def _flash_failure(failure: ImportFailed) -> None:
    flash(translate(failure.message, failure.params), "danger")
    for problem in failure.problems[:20]:
        flash(_("Row %(row)s: %(problem)s", row=problem.row,
                problem=translate(problem.message, problem.params)), "danger")


@bp.route("/compare", methods=["GET", "POST"])
@requires("child.import")
def compare_upload():
    form = UploadForm()
    if form.validate_on_submit():
        try:
            held = compare.hold(db.session, current_user, form.file.data.read())
        except ImportFailed as failure:
            _flash_failure(failure)
        else:
            return redirect(url_for("children.compare_result", comparison_id=held.id))
    required = [headers.LABELS[name] for name in headers.REQUIRED["children"]]
    return render_template("children/compare_upload.html", form=form, columns=required)


@bp.route("/compare/<int:comparison_id>")
@requires("child.import")
def compare_result(comparison_id: int):
    held = _held_or_404(comparison_id)
    try:
        result = compare.compare(db.session, current_user, held, tree())
    except ImportFailed as failure:
        _flash_failure(failure)
        compare.discard(db.session, held)
        return redirect(url_for("children.compare_upload"))
    status = request.args.get("status", "")
    shown = [r for r in result.rows if r.status == status] if status in compare.STATUSES \
        else result.rows
    return render_template("children/compare.html", result=result, rows=shown[:1000],
                           status=status, action_form=ActionForm(), tree=tree(),
                           rule_labels=compare.RULE_LABELS, field_labels=FIELD_LABELS,
                           shown_value=shown_value)


@bp.route("/compare/<int:comparison_id>/import", methods=["POST"])
@requires("child.import")
def compare_import(comparison_id: int):
    held = _held_or_404(comparison_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    chosen = None
    if request.form.get("which") == "chosen":
        try:
            chosen = [int(n) for n in request.form.getlist("row")]
        except ValueError:
            abort(400)
    try:
        with db.session.begin_nested():  # a refused import leaves nothing behind
            job = compare.import_new(db.session, current_user, held, tree(), chosen)
    except ImportFailed as failure:
        _flash_failure(failure)
        return redirect(url_for("children.compare_result", comparison_id=comparison_id))
    flash(_("%(n)s new children imported; the uploaded list is deleted.", n=job.created),
          "success")
    return redirect(url_for("imports.job", job_id=job.id))


@bp.route("/compare/<int:comparison_id>/discard", methods=["POST"])
@requires("child.import")
def compare_discard(comparison_id: int):
    held = _held_or_404(comparison_id)
    if ActionForm().validate_on_submit():
        compare.discard(db.session, held)
        flash(_("The uploaded list is deleted; nothing was imported."), "info")
    return redirect(url_for("children.compare_upload"))
