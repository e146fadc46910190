"""Notices written to the outbox when something happens: a pair approved, a concern raised.

Approval notices wait for the end of quiet hours; concern alerts do not (a mandatory
report must reach a coordinator at once).
"""

from sqlalchemy.orm import Session

from core.clock import now
from models import Child, Concern, Pair, Volunteer
from services.access.policy import coordinators_of
from services.regions import region_tree
from services.shared.names import given_name
from services.sms.outbox import after_quiet_hours, message_row, queue


def queue_pair_notices(session: Session, pair: Pair, settings) -> None:
    """On approval, tell the volunteer and the guardian (after quiet hours)."""
    child = session.get(Child, pair.child_id)
    volunteer = session.get(Volunteer, pair.volunteer_id)
    not_before = after_quiet_hours(now(), settings.quiet_start, settings.quiet_end)
    county = region_tree(session).get(child.region_code)
    queue(session, [
        message_row(f"pair:{pair.id}:approved:volunteer", "pair_approved_volunteer", "approval",
             "volunteer", volunteer.phone, user_id=volunteer.user_id, pair_id=pair.id,
             child_id=child.id, not_before=not_before,
             params={"child_given_name": given_name(child.name),
                     "county": county.name if county else ""}),
        message_row(f"pair:{pair.id}:approved:guardian", "pair_approved_guardian", "approval",
             "guardian", child.guardian_phone, pair_id=pair.id, child_id=child.id,
             not_before=not_before,
             params={"volunteer_given_name": given_name(volunteer.name)}),
    ])


def queue_concern_alert(session: Session, concern: Concern, child: Child, label: str) -> None:
    """Alert every coordinator of the child's county now, whatever the hour."""
    county = region_tree(session).get(child.region_code)
    queue(session, [
        message_row(f"concern:{concern.id}:u{coordinator.id}", "concern_raised", "concern",
             "coordinator", coordinator.phone, user_id=coordinator.id,
             pair_id=concern.pair_id, child_id=child.id, concern_id=concern.id,
             params={"county": county.name if county else "", "kind": label})
        for coordinator in coordinators_of(session, child.region_code)
    ])


def queue_danger_alerts(session: Session, concern: Concern, child: Child, county: str,
                        local_contact) -> None:
    """Immediate danger: every coordinator of the county and the child's local child-welfare
    contact, now and whatever the hour."""
    child_given = given_name(child.name)
    rows = [message_row(f"case:{concern.id}:danger:u{coordinator.id}", "case_immediate_danger",
                        "concern", "coordinator", coordinator.phone, user_id=coordinator.id,
                        pair_id=concern.pair_id, child_id=child.id, concern_id=concern.id,
                        params={"county": county, "child_given_name": child_given})
            for coordinator in coordinators_of(session, child.region_code)]
    if local_contact is not None:
        rows.append(message_row(f"case:{concern.id}:danger:local", "case_danger_local_contact",
                                "concern", "local_contact", local_contact.phone,
                                pair_id=concern.pair_id, child_id=child.id,
                                concern_id=concern.id,
                                params={"child_given_name": child_given}))
    queue(session, rows)


def queue_unacknowledged_alerts(session: Session, concern: Concern, child: Child, rung: str,
                                recipients, *, county: str, kind: str, hours: str) -> None:
    """One rung of the acknowledgement ladder: each coordinator once (the key)."""
    queue(session, [
        message_row(f"case:{concern.id}:ack:{rung}:u{coordinator.id}", "case_unacknowledged",
                    "concern", "coordinator", coordinator.phone, user_id=coordinator.id,
                    pair_id=concern.pair_id, child_id=child.id, concern_id=concern.id,
                    params={"county": county, "kind": kind, "hours": hours})
        for coordinator in recipients])
