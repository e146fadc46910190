"""The background-check pass on a worker: thin wrapper around services.checks."""

from celery import shared_task

from extensions import db
from services import checks, followups
from services.clock import now


@shared_task(name="checks.sweep", acks_late=True)
def sweep() -> None:
    """Warn volunteers whose check runs out soon; expired checks need a recheck (beat)."""
    checks.sweep(db.session, now(), followups.get_settings(db.session))
    db.session.commit()
