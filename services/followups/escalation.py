"""The escalation ladder of an overdue follow-up (a call/video or a home visit).

Each step has an offset in days after the due date (programme settings):

====================  ======================  ==========================
step                  default offset          who gets the SMS
====================  ======================  ==========================
due                   0                       the volunteer
second                second_reminder_days 3  the volunteer again
local                 local_contact_days 7    the child's local welfare contact
escalation            escalation_days 14      the county's coordinators
====================  ======================  ==========================

A sweep queues the highest step a pair has reached (an earlier step that a missed sweep
skipped is not sent late). A child with no local contact skips that step, and the
coordinators' message then says so. Each step's outbox key ends with its stage (and the
coordinator's id), so each is written exactly once however often the sweep runs. A
logged contact moves the due date, which takes the pair off the ladder.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Child, Pair, User, Volunteer
from services.access.policy import coordinators_of
from services.followups import welfare_contacts
from services.shared.names import given_name
from services.sms.outbox import message_row


@dataclass(frozen=True)
class VolunteerRef:
    phone: str
    user_id: int
    name: str


@dataclass(frozen=True)
class ChildRef:
    id: int
    name: str
    region_code: str
    township: str


@dataclass(frozen=True)
class Step:
    stage: str
    offset: int


def ladder(settings) -> list[Step]:
    """The steps in order of their offsets (the settings keep them strictly increasing)."""
    return [Step("due", 0), Step("second", settings.second_reminder_days),
            Step("local", settings.local_contact_days),
            Step("escalation", settings.escalation_days)]


def step_reached(steps: list[Step], days_late: int, has_local_contact: bool) -> Step:
    """The highest step reached after ``days_late`` days; the local step needs a contact."""
    reached = [s for s in steps if s.offset <= days_late
               and (s.stage != "local" or has_local_contact)]
    return reached[-1]


def _day_label(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _due_pairs(session: Session, today: date):
    """(subject, pair id, due date, volunteer, child) of active pairs due by ``today``,
    through the partial indexes on the due dates; only the columns the SMS need."""
    for subject, column in (("contact", Pair.next_contact_due), ("visit", Pair.next_visit_due)):
        rows = session.execute(
            select(Pair.id, column, Volunteer.phone, Volunteer.user_id, Volunteer.name,
                   Child.id, Child.name, Child.region_code, Child.township)
            .join(Volunteer, Volunteer.id == Pair.volunteer_id)
            .join(Child, Child.id == Pair.child_id)
            .where(Pair.status == "active", column <= today)).tuples()
        for pair_id, due, phone, user_id, volunteer_name, *child in rows:
            yield subject, pair_id, due, VolunteerRef(phone, user_id, volunteer_name), \
                ChildRef(*child)


def ladder_rows(session: Session, today: date, not_before: datetime, settings) -> list[dict]:
    """Outbox rows for every active pair whose contact or visit is due by ``today``."""

    steps = ladder(settings)
    due_pairs = list(_due_pairs(session, today))
    late_children = [child for _, _, due, _, child in due_pairs
                     if (today - due).days >= settings.local_contact_days]
    contacts = welfare_contacts.effective_contacts(session, late_children)
    coordinators: dict[str, list[User]] = {}
    rows: list[dict] = []
    for subject, pair_id, due, volunteer, child in due_pairs:
        late = (today - due).days
        local = contacts.get(child.id)
        step = step_reached(steps, late, local is not None)
        base = f"pair:{pair_id}:{subject}:{due.isoformat()}"
        ids = {"pair_id": pair_id, "child_id": child.id, "not_before": not_before}
        child_given, volunteer_given = given_name(child.name), given_name(volunteer.name)
        if step.stage == "escalation":
            if child.region_code not in coordinators:
                coordinators[child.region_code] = coordinators_of(session, child.region_code)
            template = "escalation_coordinator" if local else "escalation_no_local_contact"
            rows += [message_row(f"{base}:escalation:u{coordinator.id}", template, subject,
                          "coordinator", coordinator.phone, user_id=coordinator.id, **ids,
                          params={"volunteer_given_name": volunteer_given,
                                  "child_given_name": child_given, "days": str(late)})
                     for coordinator in coordinators[child.region_code]]
        elif step.stage == "local":
            rows.append(message_row(f"{base}:local", "escalation_local_contact", subject,
                             "local_contact", local.phone, **ids,
                             params={"volunteer_given_name": volunteer_given,
                                     "child_given_name": child_given, "days": str(late)}))
        elif step.stage == "second":
            rows.append(message_row(f"{base}:second", "contact_overdue", subject, "volunteer",
                             volunteer.phone, user_id=volunteer.user_id, **ids,
                             params={"child_given_name": child_given, "days": str(late)}))
        else:
            template = "contact_due" if subject == "contact" else "visit_due"
            rows.append(message_row(f"{base}:due", template, subject, "volunteer", volunteer.phone,
                             user_id=volunteer.user_id, **ids,
                             params={"child_given_name": child_given,
                                     "due_date": _day_label(due)}))
    return rows
