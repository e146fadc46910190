"""The periodic sweep: queue every reminder, escalation, feedback request and
unacknowledged-case alert that is due.

Reminders wait for the end of quiet hours. Messages stuck in "sending" since before
``STALE_SENDING`` lost their worker: the one per batch that may have gone out is marked
unknown, the untried rest is queued again (services.sms.claims).
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.clock import LOCAL_TZ
from services.followups import cases, feedback
from services.followups.escalation import ladder_rows
from services.sms.claims import recover_interrupted
from services.sms.outbox import after_quiet_hours, queue

log = logging.getLogger(__name__)

REMINDER_SUBJECTS = ("contact", "visit")
#: A message stuck in "sending" this long was interrupted between claim and result.
STALE_SENDING = timedelta(minutes=10)


def sweep(session: Session, moment: datetime, settings) -> dict:
    """Queue every reminder and escalation that is due at ``moment``.

    Each overdue pair gets the step of the escalation ladder it has reached
    (services.followups.escalation); messages stuck in "sending" are marked unknown.
    """
    today = moment.astimezone(LOCAL_TZ).date()
    not_before = after_quiet_hours(moment, settings.quiet_start, settings.quiet_end)
    rows = ladder_rows(session, today, not_before, settings)
    queue(session, rows)
    feedback_requests = feedback.queue_due_requests(session, moment, settings)
    rungs = cases.sweep_acknowledgements(session, moment, settings)
    stale = recover_interrupted(session, moment - STALE_SENDING)
    log.info("sweep at %s: %s reminder rows considered, %s interrupted sends marked unknown",
             moment.isoformat(), len(rows), stale)
    return {"considered": len(rows), "interrupted": stale, "feedback": feedback_requests,
            "case_rungs": rungs}
