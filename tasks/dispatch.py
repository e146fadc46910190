"""Waking the priority sender as soon as a transaction that queued an urgent SMS commits.

A concern alert, an escalation or a one-time code (services.sms.outbox marks the session)
sends ``sms.send_priority`` to its own queue right after the commit: never before, so the
worker always finds the row. If the broker cannot be reached the message simply waits
in the outbox for the next sweep, and the commit itself is never undone or failed.
"""

import logging

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from services.sms.outbox import PRIORITY_QUEUED

log = logging.getLogger(__name__)
PRIORITY_TASK = "sms.send_priority"


def _wake_after_commit(session: Session) -> None:
    if not session.info.pop(PRIORITY_QUEUED, False) or not has_app_context():
        return
    try:
        current_app.extensions["celery"].tasks[PRIORITY_TASK].apply_async()
    except Exception as exc:  # broker down (or an eager send failing): the sweep sends it
        log.warning("priority SMS sender not woken (%s); the next sweep sends the message",
                    type(exc).__name__)


def _forget_on_rollback(session: Session, previous_transaction) -> None:
    # Only the whole transaction: a savepoint rolled back keeps what was queued before it
    # (a spare wake-up for something rolled back inside it is harmless).
    if previous_transaction.parent is None and not previous_transaction.nested:
        session.info.pop(PRIORITY_QUEUED, None)


def wake_priority_sender_after_commit() -> None:
    """Install the session hooks (once per process; every app shares them)."""
    if not event.contains(Session, "after_commit", _wake_after_commit):
        event.listen(Session, "after_commit", _wake_after_commit)
        event.listen(Session, "after_soft_rollback", _forget_on_rollback)
