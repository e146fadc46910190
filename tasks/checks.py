"""The background-check pass on a worker (services.registry.background_checks)."""

from celery import shared_task

from core.clock import now
from extensions import db
from services.registry import background_checks
from services.settings import get_settings


@shared_task(name="checks.sweep", acks_late=True)
def sweep() -> None:
    """Warn volunteers whose check runs out soon; expired checks need a recheck (beat)."""
    background_checks.sweep(db.session, now(), get_settings(db.session))
    db.session.commit()
