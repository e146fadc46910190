"""A ledger import's page: its progress bar while a worker runs it, then its outcome."""

import io

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user

from blueprints.imports import bp
from blueprints.imports.upload import start_import
from blueprints.transaction import after_commit
from blueprints.web import problem_text, requires, tree
from extensions import db
from models import ImportJob
from services.access import audit, policy
from services.imports import CHILD_COLUMNS, VOLUNTEER_COLUMNS, jobs, markup, template
from services.imports.headers import LABELS

#: Per ledger: its columns, the page to upload it and the list it fills.
LEDGERS = {
    "children": {"columns": CHILD_COLUMNS, "upload": "children.import_ledger",
                 "list": "children.index"},
    "volunteers": {"columns": VOLUNTEER_COLUMNS, "upload": "volunteers.import_ledger",
                   "list": "volunteers.index"},
}


def _job_or_404(job_id: int) -> ImportJob:
    job = db.session.get(ImportJob, job_id)
    if job is None or not policy.import_visible(current_user, job):
        abort(404)
    return job


@bp.route("/imports/<int:job_id>")
@requires("import.view")
def job(job_id: int):
    found = _job_or_404(job_id)
    duplicates = jobs.duplicate_rows(db.session, current_user, found) \
        if found.status == "done" else []
    return render_template("imports/job.html", job=found, ledger=LEDGERS[found.kind],
                           duplicate_rows=duplicates,
                           marked=jobs.refused_file(db.session, found) is not None,
                           field_labels=LABELS,
                           choices=jobs.column_choices(db.session, found)
                           if "missing" in (found.error or {}).get("params", {}) else [])


@bp.route("/imports/<int:job_id>/status")
@requires("import.view")
def status(job_id: int):
    found = _job_or_404(job_id)
    return jsonify(id=found.id, status=found.status, phase=found.phase,
                   progress=found.progress)


def _template(kind: str):
    counties = policy.county_scope(db.session, current_user)
    if counties is None:  # an admin: every county is theirs; the list names none
        counties = set()
    data = template.template_workbook(kind, tree(), sorted(counties)[:500])
    name = "儿童信息台账模板.xlsx" if kind == "children" else "志愿者台账模板.xlsx"
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml"
                              ".sheet")


@bp.route("/imports/template/children.xlsx")
@requires("child.import")
def children_template():
    return _template("children")


@bp.route("/imports/template/volunteers.xlsx")
@requires("volunteer.import")
def volunteers_template():
    return _template("volunteers")


@bp.route("/imports/<int:job_id>/marked.xlsx")
@requires("import.view")
def marked(job_id: int):
    """The refused ledger back with its problems marked, to correct in Excel or WPS."""
    found = _job_or_404(job_id)
    data = jobs.refused_file(db.session, found)
    if data is None:
        abort(404)
    content = markup.marked_workbook(data, found.kind, found.error.get("problems", []),
                                     problem_text)
    audit.record(db.session, current_user, "import.marked_download", "import", found.id)
    return send_file(io.BytesIO(content), as_attachment=True,
                     download_name=f"台账问题说明-{found.id}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml"
                              ".sheet")


@bp.route("/imports/<int:job_id>/columns", methods=["POST"])
@requires("import.view")
def choose_columns(job_id: int):
    """Import a refused file again with the columns the coordinator chose for the
    fields its headers do not name; the choice is remembered for their next imports."""
    found = _job_or_404(job_id)
    if found.actor_id != current_user.id or "missing" not in (found.error or {}).get(
            "params", {}):
        abort(404)
    chosen = {name: request.form.get(f"column_{name}", "")
              for name in found.error["params"]["missing"]}
    again = jobs.import_again(db.session, current_user, found, chosen)
    if again is None:
        flash(gettext("The file is no longer kept; send it again."), "warning")
        return redirect(url_for(LEDGERS[found.kind]["upload"]))
    after_commit(start_import, again.id)
    return redirect(url_for("imports.job", job_id=again.id))
