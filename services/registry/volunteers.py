"""Volunteers: sign-up, the vetting state machine and background checks.

States: ``pending`` (signed up) → ``vetted`` (a coordinator recorded a background check)
or ``rejected`` (with a reason); ``vetted`` → ``suspended`` (with a reason) → ``vetted``
again. Only vetted volunteers can ever be matched, and a volunteer can only become
vetted with a current recorded check (Minors Protection Law). Checks expire
(services.registry.background_checks): an expired check makes a vetted volunteer
``recheck_needed`` until a coordinator records a new one. Suspension ends every active
pair of the volunteer.
"""

import logging

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.clock import now, today_local
from core.crypto import lookup_hash
from core.errors import DomainError
from models import BackgroundCheck, User, Volunteer
from services.access import accounts, audit
from services.pairs import lifecycle
from services.regions import RegionTree
from services.registry import background_checks
from services.registry.search import listing
from services.settings import get_settings
from services.shared import taxonomy
from services.shared.validation import Checker

log = logging.getLogger(__name__)

#: (from, to) → the verb that makes the move.
TRANSITIONS = {
    ("pending", "vetted"): "vet",
    ("pending", "rejected"): "reject",
    ("vetted", "suspended"): "suspend",
    ("suspended", "vetted"): "reinstate",
    ("recheck_needed", "suspended"): "suspend",
}

CHILD_GENDER_CHOICES = ("any", "M", "F")

STATUS_LABELS = {
    "pending": taxonomy.N_("Pending"),
    "vetted": taxonomy.N_("Vetted"),
    "rejected": taxonomy.N_("Rejected"),
    "suspended": taxonomy.N_("Suspended"),
    "recheck_needed": taxonomy.N_("Recheck needed"),
}


def clean_volunteer(raw: dict, tree: RegionTree, c: Checker | None = None) -> dict:
    """Clean a volunteer's profile fields (sign-up form, API or ledger row)."""
    c = c or Checker(raw)
    clean = {
        "name": c.text("name"),
        "phone": c.phone("phone"),
        "gender": c.choice("gender", taxonomy.GENDERS),
        "region_code": c.region("region_code", tree),
        "skills": taxonomy.join_codes(c.codes("skills", taxonomy.NEEDS)),
        "capacity": c.integer("capacity", 1, 3),
        "max_distance_km": c.number("max_distance_km", 1, 200),
        "age_min": c.integer("age_min", 0, 17, required=False),
        "age_max": c.integer("age_max", 0, 17, required=False),
    }
    clean["latitude"], clean["longitude"] = c.location()
    gender = c.choice("child_gender", CHILD_GENDER_CHOICES, required=False)
    clean["child_gender"] = None if gender in (None, "any") else gender
    if clean["age_min"] is not None and clean["age_max"] is not None \
            and clean["age_min"] > clean["age_max"]:
        c.fail("age_max", "The oldest age must not be below the youngest.")
    c.done()
    return clean


def sign_up(session: Session, raw: dict, tree: RegionTree, *,
            phone_verified: bool = False) -> Volunteer:
    """Register a volunteer from the public sign-up page; they start ``pending``, and their
    account is inactive until the phone is verified (services.registry.signup sends the
    code). A number already known is refused with the reason (staff and demo callers)."""
    clean = clean_signup(raw, tree)
    taken = phone_taken(session, clean["phone"])
    if taken:
        raise DomainError(TAKEN_MESSAGES[taken])
    return add_signup(session, raw, clean, phone_verified=phone_verified)


def clean_signup(raw: dict, tree: RegionTree) -> dict:
    """Check a sign-up form or body (every problem at once); nothing depends on whether
    the number is known."""
    c = Checker(raw)
    if len(raw.get("password") or "") < accounts.MIN_PASSWORD_LENGTH:
        c.fail("password", "The password needs at least %(n)s characters.",
               n=accounts.MIN_PASSWORD_LENGTH)
    if not raw.get("privacy_consent"):
        c.fail("privacy_consent", "You must accept the privacy notice to sign up.")
    return clean_volunteer(raw, tree, c)


def add_signup(session: Session, raw: dict, clean: dict, *,
               phone_verified: bool = False) -> Volunteer:
    """Write the account and the pending volunteer for a checked sign-up."""
    user = accounts.create_user(session, role="volunteer", name=clean["name"],
                                phone=clean["phone"], password=raw.get("password") or "",
                                phone_verified=phone_verified)
    volunteer = Volunteer(
        user_id=user.id, status="pending", privacy_consent_at=now(),
        availability=str(raw.get("availability") or "").strip()[:500],
        motivation=str(raw.get("motivation") or "").strip()[:1000],
        **clean,
    )
    session.add(volunteer)
    session.flush()
    log.info("volunteer %s signed up", volunteer.id)
    return volunteer


#: Why a number cannot sign up, for staff-side callers (the public sign-up never says).
TAKEN_MESSAGES = {
    "account": taxonomy.N_("This phone number is already registered; log in instead."),
    "ledger": taxonomy.N_("This phone number is already on a county's volunteer ledger; "
                          "ask your coordinator to set up your account."),
}


def phone_taken(session: Session, phone: str) -> str | None:
    """"account" when a user has this number, "ledger" when a volunteer record has it."""
    if session.execute(select(User.id).where(User.phone_hash == lookup_hash(phone))).first():
        return "account"
    if session.execute(select(Volunteer.id).where(
            Volunteer.phone_hash == lookup_hash(phone))).first():
        return "ledger"
    return None


def record_check(session: Session, actor: User, volunteer: Volunteer, *, certificate_no: str,
                 issuing_office: str, issued_on) -> BackgroundCheck:
    """Record a no-criminal-record certificate the actor has checked."""
    c = Checker({"certificate_no": certificate_no, "issuing_office": issuing_office,
                 "issued_on": issued_on})
    number = c.text("certificate_no")
    office = c.text("issuing_office", max_len=128)
    issued = c.day("issued_on", not_after=today_local())
    c.done()
    expires_on = background_checks.expiry_for(get_settings(session), today_local())
    check = BackgroundCheck(volunteer=volunteer, certificate_no=number,
                            issuing_office=office, issued_on=issued, checked_by_id=actor.id,
                            expires_on=expires_on)
    session.add(check)
    session.flush()
    audit.record(session, actor, "volunteer.check", "volunteer", volunteer.id)
    background_checks.after_new_check(session, actor, volunteer, check, today_local())
    log.info("background check %s recorded for volunteer %s by user %s",
             check.id, volunteer.id, actor.id)
    return check


def change_status(session: Session, actor: User, volunteer: Volunteer, to: str,
                  reason: str = "") -> None:
    """Move a volunteer through the vetting state machine."""
    verb = TRANSITIONS.get((volunteer.status, to))
    if verb is None:
        raise DomainError("A %(current)s volunteer cannot become %(target)s.",
                          current=STATUS_LABELS[volunteer.status], target=STATUS_LABELS[to])
    if to == "vetted" and not volunteer.checks:
        raise DomainError("Record the background check before vetting.")
    if to == "vetted" and not background_checks.has_current_check(volunteer, today_local()):
        raise DomainError("The background check has expired; record a new one first.")
    if verb in ("reject", "suspend") and not reason.strip():
        raise DomainError("Give a reason.")
    volunteer.status = to
    volunteer.status_reason = reason.strip()
    volunteer.status_changed_at = now()
    if volunteer.user_id:
        user = session.get(User, volunteer.user_id)
        accounts.set_active(session, user, to != "suspended")
        if verb == "reinstate":  # nothing from before the suspension works again
            accounts.end_access(session, user)
    session.flush()
    if verb == "suspend":
        lifecycle.end_volunteer_pairs(session, actor, volunteer.id, "volunteer_suspended",
                                      f"the volunteer was suspended: {reason.strip()}")
        background_checks.withdraw_open_proposals(session, [volunteer.id], now())
    audit.record(session, actor, f"volunteer.{verb}", "volunteer", volunteer.id, status=to)
    log.info("volunteer %s: %s by user %s", volunteer.id, verb, actor.id)


def search(session: Session, user: User, *, text: str = "", status: str | None = None,
           region_code: str | None = None, newest_first: bool = False) -> Select:
    """The volunteers the user may see, filtered; pages and the API list them by this."""
    return listing(session, user, Volunteer, text=text, newest_first=newest_first,
                   status=status, region_code=region_code)
