"""The daily retention pass on a worker: thin wrapper around services.registry.retention."""

from celery import shared_task
from flask import current_app

from core.clock import now
from extensions import db
from services.access import otp
from services.registry import retention


@shared_task(name="retention.run", acks_late=True)
def run() -> None:
    retention.run(db.session, now(), current_app.config["RETENTION_YEARS"],
                  current_app.config["REJECTED_APPLICATION_DAYS"])
    otp.purge(db.session, now())
    db.session.commit()
