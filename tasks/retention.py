"""The daily retention pass on a worker: thin wrapper around services.retention."""

from celery import shared_task
from flask import current_app

from extensions import db
from services import otp, retention
from services.clock import now


@shared_task(name="retention.run", acks_late=True)
def run() -> None:
    retention.run(db.session, now(), current_app.config["RETENTION_YEARS"],
                  current_app.config["REJECTED_APPLICATION_DAYS"])
    otp.purge(db.session, now())
    db.session.commit()
