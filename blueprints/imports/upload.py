"""The ledger upload shared by the children and volunteers pages: stored, then imported
by a worker (or here and now when the broker is down)."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from kombu.exceptions import OperationalError as BrokerUnavailable

from blueprints.background import enqueue
from blueprints.forms import UploadForm
from blueprints.transaction import after_commit
from extensions import db
from services.imports import jobs


def import_page(kind: str, columns, **options):
    """The ledger upload page: the file is stored with a queued import, which a worker
    runs; the import's page then shows its progress and outcome."""
    form = UploadForm()
    if form.validate_on_submit():
        earlier = jobs.sent_before(db.session, current_user, form.submission.data)
        if earlier is not None:  # a double click: the first send is the import
            flash(gettext("This file was already sent; it is imported once."), "info")
            return redirect(url_for("imports.job", job_id=earlier.id))
        job = jobs.queue_import(db.session, current_user, kind, form.file.data.read(),
                                       submission=form.submission.data, **options)
        after_commit(start_import, job.id)
        return redirect(url_for("imports.job", job_id=job.id))
    return render_template("imports/upload.html", form=form, kind=kind, columns=columns)


def start_import(job_id: int) -> None:
    """Hand a queued import to a worker; with the broker down, run it here and now
    (the import is all-or-nothing either way, and nothing waits for an outage to end)."""
    try:
        enqueue("imports.run", job_id)
    except BrokerUnavailable:
        flash(gettext("The background service is not reachable, so the file was imported "
                      "while you waited."), "warning")
        current_app.extensions["celery"].tasks["imports.run"].apply(args=(job_id,))
