"""Programme settings: the follow-up rhythm, the escalation ladder, quiet hours, check expiry,
and the hours a coordinator has to acknowledge a case.

One row (id 1), created with the defaults on first use.
"""

import logging

from sqlalchemy.orm import Session

from models import ProgrammeSettings, User
from services.shared.validation import Checker

log = logging.getLogger(__name__)


def get_settings(session: Session) -> ProgrammeSettings:
    """The programme settings row (created with the defaults on first use)."""
    settings = session.get(ProgrammeSettings, 1)
    if settings is None:
        settings = ProgrammeSettings(id=1)
        session.add(settings)
        session.flush()
    return settings


def update_settings(session: Session, actor: User, raw: dict) -> ProgrammeSettings:
    """Change the programme settings; the escalation ladder must climb strictly."""
    c = Checker(raw)
    values = {
        "contact_interval_days": c.integer("contact_interval_days", 1, 90),
        "visit_interval_days": c.integer("visit_interval_days", 1, 180),
        "second_reminder_days": c.integer("second_reminder_days", 1, 30),
        "local_contact_days": c.integer("local_contact_days", 2, 60),
        "escalation_days": c.integer("escalation_days", 3, 90),
        "quiet_start": c.integer("quiet_start", 0, 23),
        "quiet_end": c.integer("quiet_end", 0, 23),
        "check_validity_months": c.integer("check_validity_months", 1, 60, required=False),
        "ack_hours_immediate": c.integer("ack_hours_immediate", 1, 24, required=False),
        "ack_hours_other": c.integer("ack_hours_other", 1, 168, required=False),
    }
    _check_ladder(c, values)
    c.done()
    settings = get_settings(session)
    for name, value in values.items():
        if value is not None:
            setattr(settings, name, value)
    settings.updated_by_id = actor.id
    session.flush()
    log.info("programme settings changed by user %s", actor.id)
    return settings


def _check_ladder(c: Checker, values: dict) -> None:
    """Each escalation step must come strictly later than the one before."""
    steps = ("second_reminder_days", "local_contact_days", "escalation_days")
    for earlier, later in zip(steps, steps[1:], strict=False):
        if values[earlier] is not None and values[later] is not None and \
                values[later] <= values[earlier]:
            c.fail(later, "Each step must come later than the one before: second reminder, "
                          "then the local contact, then the coordinators.")
