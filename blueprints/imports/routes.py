"""A ledger import's page: its progress bar while a worker runs it, then its outcome."""

from flask import abort, jsonify, render_template
from flask_login import current_user

from blueprints.imports import bp
from blueprints.web import requires
from extensions import db
from models import ImportJob
from services.access import policy
from services.imports import CHILD_COLUMNS, VOLUNTEER_COLUMNS, jobs

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
                           duplicate_rows=duplicates)


@bp.route("/imports/<int:job_id>/status")
@requires("import.view")
def status(job_id: int):
    found = _job_or_404(job_id)
    return jsonify(id=found.id, status=found.status, phase=found.phase,
                   progress=found.progress)
