"""Reminder sweep and SMS sending on workers: thin wrappers around the services."""

import logging

from celery import shared_task
from flask import current_app
from sqlalchemy.orm import Session

from core.clock import now
from extensions import db
from services.followups import reminders
from services.settings import get_settings
from services.sms import claims, sender
from services.sms.failover import chain_from_config
from services.sms.templates import INTERACTIVE, MANDATORY

log = logging.getLogger(__name__)
#: Messages one send task handles before it hands over to a fresh task (so other tasks
#: and other workers get their turn during a long morning).
RUN_LIMIT = 1000


def sms_providers():
    return chain_from_config(current_app.config)


@shared_task(name="reminders.sweep", acks_late=True)
def sweep() -> None:
    """Queue due reminders (beat, every few minutes), then send what is due."""
    settings = get_settings(db.session)
    reminders.sweep(db.session, now(), settings)
    db.session.commit()
    send_due.delay()


def _send(priorities: tuple[int, ...]) -> bool:
    """One send run on a connection of its own; True when more may be due.

    The run writes each outcome before the next send. On one connection kept for the whole
    run (not handed back to the pool, checked out and pinged again at every commit), in
    autocommit: the claim and each outcome are single UPDATEs with no BEGIN and COMMIT
    round trips around them; the claim is on disk when it returns, the outcomes may lag
    a moment behind (services.sms.claims says why that stays exactly once)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection, \
            Session(connection) as session:
        try:
            counts = sender.send_due(session, sms_providers(), None, commit=session.commit,
                                     daily_cap=current_app.config["SMS_DAILY_CAP"],
                                     limit=RUN_LIMIT, priorities=priorities,
                                     lag_outcomes=True)
        finally:
            claims.stop_lagging(connection)
    return sum(counts.values()) >= RUN_LIMIT


@shared_task(name="sms.send_due", acks_late=True)
def send_due() -> None:
    """Send every due outbox message, most urgent class first (any number of workers may
    run this at once)."""
    if _send(sender.PRIORITY_ORDER):  # more may be due: go on in a fresh task
        send_due.delay()


@shared_task(name="sms.send_priority", acks_late=True)
def send_priority() -> None:
    """Send the due mandatory and interactive messages only (the ``sms-priority`` queue,
    so a worker busy with the morning's reminders never holds up a concern alert)."""
    if _send((MANDATORY, INTERACTIVE)):
        send_priority.delay()
