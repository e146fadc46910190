"""Notices written to the outbox when something happens: a pair approved, a concern raised,
a vetting decision, a check that ran out, a volunteer who withdrew.

Each notice has one outbox key per event, so a repeated call writes it once. Approval,
vetting and withdrawal notices wait for the end of quiet hours; concern alerts do not (a
mandatory report must reach a coordinator at once). The texts are in
services.sms.templates.
"""

from datetime import date

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


#: Which template tells a volunteer of each vetting decision (services.registry.volunteers).
VETTING_TEMPLATES = {"vet": "volunteer_vetted", "reinstate": "volunteer_vetted",
                     "reject": "volunteer_not_approved", "suspend": "volunteer_suspended"}


def queue_vetting_notice(session: Session, volunteer: Volunteer, verb: str, settings) -> None:
    """Tell the volunteer of a coordinator's decision (the reason is on their page, never
    in the SMS); one message per decision."""
    template = VETTING_TEMPLATES.get(verb)
    if template is None:
        return
    stamp = (volunteer.status_changed_at or now()).strftime("%Y%m%dT%H%M%S%f")
    queue(session, [message_row(
        f"volunteer:{volunteer.id}:{verb}:{stamp}", template, "vetting", "volunteer",
        volunteer.phone, user_id=volunteer.user_id,
        not_before=after_quiet_hours(now(), settings.quiet_start, settings.quiet_end))])


def check_expired_row(volunteer_id: int, phone: str, user_id: int | None, expires_on: date,
                      not_before) -> dict:
    """The SMS telling a volunteer their check ran out: once per (volunteer, expiry date)."""
    return message_row(f"volunteer:{volunteer_id}:check_expired:{expires_on.isoformat()}",
                       "check_expired", "check", "volunteer", phone, user_id=user_id,
                       not_before=not_before)


def queue_withdrawal_notice(session: Session, volunteer: Volunteer, ended_pairs: int,
                            settings) -> None:
    """Tell every coordinator of the volunteer's county that they left the programme."""
    not_before = after_quiet_hours(now(), settings.quiet_start, settings.quiet_end)
    queue(session, [
        message_row(f"volunteer:{volunteer.id}:withdrew:u{coordinator.id}",
                    "volunteer_withdrew", "vetting", "coordinator", coordinator.phone,
                    user_id=coordinator.id, not_before=not_before,
                    params={"volunteer_given_name": given_name(volunteer.name),
                            "pairs": str(ended_pairs)})
        for coordinator in coordinators_of(session, volunteer.region_code)
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
