"""A volunteer's own profile: what they offer, a new number proved by code, withdrawing.

- Availability, skills, capacity, travel distance and preferences are the volunteer's to
  change; capacity never goes below the pairs they have now (one conditional UPDATE, and
  the database's CHECK on ``active_pairs <= capacity``).
- A new number replaces the old one only once the code sent to the new number is typed;
  until then it waits, encrypted, in ``volunteers.pending_phone``.
- Withdrawing (PIPL art. 15: consent can be withdrawn) ends every active pair with the
  cause ``volunteer_withdrew`` (the children wait to be paired again), withdraws open
  proposals and tells the county's coordinators. The account stays, so the volunteer can
  still read their service record and download its certificate.
"""

import logging

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import now
from core.crypto import lookup_hash
from core.errors import DomainError
from models import User, Volunteer
from services import notices
from services.access import audit, otp
from services.pairs import lifecycle
from services.registry import background_checks, volunteers
from services.settings import get_settings
from services.shared import taxonomy
from services.shared.validation import Checker, Invalid, Problem

log = logging.getLogger(__name__)

#: Statuses from which a volunteer may withdraw (not after a rejection, not twice).
CAN_WITHDRAW = frozenset({"pending", "vetted", "suspended", "recheck_needed"})


def update_profile(session: Session, actor: User, volunteer: Volunteer, raw: dict) -> None:
    """Save what the volunteer offers; every problem is reported at once."""
    c = Checker(raw)
    values = {
        "skills": taxonomy.join_codes(c.codes("skills", taxonomy.NEEDS)),
        "capacity": c.integer("capacity", 1, 3),
        "max_distance_km": c.number("max_distance_km", 1, 200),
        "age_min": c.integer("age_min", 0, 17, required=False),
        "age_max": c.integer("age_max", 0, 17, required=False),
        "availability": c.text("availability", required=False, max_len=500),
    }
    gender = c.choice("child_gender", volunteers.CHILD_GENDER_CHOICES, required=False)
    values["child_gender"] = None if gender in (None, "any") else gender
    if values["age_min"] is not None and values["age_max"] is not None \
            and values["age_min"] > values["age_max"]:
        c.fail("age_max", "The oldest age must not be below the youngest.")
    if values["capacity"] is not None and values["capacity"] < volunteer.active_pairs:
        c.fail("capacity", "You are paired with %(n)s children now, so choose at least %(n)s.",
               n=volunteer.active_pairs)
    c.done()
    saved = session.execute(
        update(Volunteer).where(Volunteer.id == volunteer.id,
                                Volunteer.active_pairs <= values["capacity"])
        .values(**values, updated_at=now()).execution_options(synchronize_session=False))
    if saved.rowcount != 1:  # a pair was approved meanwhile
        raise Invalid([Problem("capacity", "You are paired with %(n)s children now, so "
                                           "choose at least %(n)s.",
                               {"n": volunteer.active_pairs + 1})])
    session.expire(volunteer)
    audit.record(session, actor, "volunteer.profile", "volunteer", volunteer.id)
    log.info("volunteer %s changed their profile", volunteer.id)


def request_phone_change(session: Session, user: User, volunteer: Volunteer, phone: str,
                         client: str | None, limits: otp.Limits) -> None:
    """Send a code to the new number; it waits until the code is typed."""
    c = Checker({"phone": phone})
    new_phone = c.phone("phone")
    c.done()
    if new_phone == volunteer.phone:
        raise Invalid([Problem("phone", "This is already your number.")])
    taken = volunteers.phone_taken(session, new_phone)
    if taken:  # a signed-in volunteer only; the public sign-up never says
        raise Invalid([Problem("phone", volunteers.TAKEN_MESSAGES[taken])])
    volunteer.pending_phone = new_phone
    session.flush()
    otp.issue(session, new_phone, "change", client, limits, user=user)


def confirm_phone_change(session: Session, user: User, volunteer: Volunteer,
                         code: str) -> None:
    """The right code makes the waiting number the account's and the profile's."""
    new_phone = volunteer.pending_phone
    if not new_phone:
        raise DomainError("No new number is waiting; type the new number first.")
    otp.confirm_phone_change(session, user, lookup_hash(new_phone), code)
    try:
        with session.begin_nested():
            user.phone = new_phone
            volunteer.phone = new_phone
            volunteer.pending_phone = None
            session.flush()
    except IntegrityError:
        raise DomainError("This phone number is already registered; log in instead.") \
            from None
    audit.record(session, user, "volunteer.phone", "volunteer", volunteer.id)
    log.info("volunteer %s proved and saved a new number", volunteer.id)


def withdraw(session: Session, user: User, volunteer: Volunteer, reason: str) -> int:
    """Leave the programme; returns how many pairs ended."""
    if volunteer.status not in CAN_WITHDRAW:
        raise DomainError("You have already left the programme.")
    reason = (reason or "").strip()[:500]
    volunteer.status = "withdrawn"
    volunteer.status_reason = reason
    volunteer.status_changed_at = now()
    session.flush()
    ended = lifecycle.end_volunteer_pairs(
        session, user, volunteer.id, "volunteer_withdrew",
        f"the volunteer withdrew: {reason}" if reason else "the volunteer withdrew")
    background_checks.withdraw_open_proposals(session, [volunteer.id], now())
    notices.queue_withdrawal_notice(session, volunteer, ended, get_settings(session))
    audit.record(session, user, "volunteer.withdraw", "volunteer", volunteer.id,
                 pairs=ended)
    log.info("volunteer %s withdrew; %s pairs ended", volunteer.id, ended)
    return ended
