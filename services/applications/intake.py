"""The public side of an application: a family applies, and later reads its status.

Rules:
- The applicant's number is proven by a one-time code first (purpose ``apply``, the usual
  limits of services.access.otp); the view keeps the proven number, never the page.
- At most APPLICATIONS_PER_NUMBER_PER_DAY applications a day from one number and
  APPLICATIONS_PER_ADDRESS_PER_DAY from one client address, counted in the database.
- Consent is part of the application: the notice's version and text as shown, the full
  name typed as signature (it must be the applicant's name), the time and the address.
- The applicant gets a reference by SMS; with it and a new code (purpose ``status``) they
  read the status, and nothing else: a wrong reference or number gets the same answer as
  a right one, so the page never tells whether an application exists.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import now, today_local
from core.crypto import lookup_hash
from core.errors import DomainError
from models import Application
from services.access import audit, otp
from services.applications.notice import NOTICE_VERSION
from services.regions import RegionTree
from services.registry.children import check_migrant_fields
from services.shared import taxonomy
from services.shared.names import given_name
from services.shared.phones import normalise_phone
from services.shared.taxonomy import N_
from services.shared.validation import Checker
from services.sms import outbox

log = logging.getLogger(__name__)

APPLICATIONS_PER_NUMBER_PER_DAY = 3
APPLICATIONS_PER_ADDRESS_PER_DAY = 10
#: The reference's letters: no 0/O, 1/I/L, so it can be read out on the phone.
REFERENCE_LETTERS = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_PREFIX = "SB"


@dataclass(frozen=True)
class ApplicantStatus:
    """What the applicant may read about their own application."""

    reference: str
    status: str
    submitted_at: datetime
    decided_at: datetime | None
    decline_reason: str


def new_reference() -> str:
    return REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_LETTERS) for _ in range(6))


def clean_application(raw: dict, tree: RegionTree) -> dict:
    """The child's basics, the county, the situation and needs, the applicant and the
    signature; raises Invalid listing every field to fix."""
    c = Checker(raw)
    clean = {
        "applicant_name": c.text("applicant_name"),
        "applicant_relation": c.choice("applicant_relation", taxonomy.GUARDIAN_RELATIONS),
        "child_name": c.text("child_name"),
        "child_gender": c.choice("child_gender", taxonomy.GENDERS),
        "child_birth_date": c.day("child_birth_date", not_after=today_local()),
        "region_code": c.region("region_code", tree),
        "township": c.text("township", required=False, max_len=128),
        "category": c.choice("category", taxonomy.CATEGORIES),
        "sub_type": c.choice("sub_type", taxonomy.SUB_TYPES, required=False),
        "needs": taxonomy.join_codes(c.codes("needs", taxonomy.NEEDS)),
        "situation": c.text("situation", max_len=1000),
        "signature": c.text("signature"),
    }
    clean["hukou_region_code"] = check_migrant_fields(raw, tree, c, clean)
    birth = clean["child_birth_date"]
    if birth and today_local().year - birth.year > 18:
        c.fail("child_birth_date", "The programme is for children under 18.")
    if clean["signature"] and clean["applicant_name"] and \
            clean["signature"].replace(" ", "") != clean["applicant_name"].replace(" ", ""):
        c.fail("signature", "Type your full name exactly as above to sign.")
    if not raw.get("consent"):
        c.fail("consent", "Tick the box to give your consent; without it we cannot take "
                          "the application.")
    c.done()
    return clean


def _check_limits(session: Session, phone_hash: str, client_hash: str, moment: datetime):
    since = moment - timedelta(days=1)
    by_number = session.execute(select(func.count(Application.id)).where(
        Application.applicant_phone_hash == phone_hash,
        Application.created_at > since)).scalar_one()
    if by_number >= APPLICATIONS_PER_NUMBER_PER_DAY:
        raise DomainError(N_("This number has sent %(n)s applications today; try again "
                             "tomorrow, or call your county civil-affairs bureau."),
                          n=APPLICATIONS_PER_NUMBER_PER_DAY)
    by_address = session.execute(select(func.count(Application.id)).where(
        Application.client_hash == client_hash,
        Application.created_at > since)).scalar_one()
    if by_address >= APPLICATIONS_PER_ADDRESS_PER_DAY:
        raise DomainError(N_("Too many applications were sent from your network today; "
                             "try again tomorrow."))


def submit(session: Session, phone: str, raw: dict, tree: RegionTree, *, notice_text: str,
           notice_version: str, client: str | None) -> Application:
    """Take an application from a proven number (E.164) and queue its SMS receipt."""
    if notice_version != NOTICE_VERSION:
        raise DomainError(N_("The privacy notice has changed; read it again and sign."))
    clean = clean_application(raw, tree)
    moment = now()
    phone_hash, client_hash = lookup_hash(phone), otp.client_hash_of(client)
    _check_limits(session, phone_hash, client_hash, moment)
    fields = dict(clean, status="waiting", applicant_phone=phone,
                  applicant_phone_hash=phone_hash, notice_version=notice_version,
                  notice_text=notice_text, consented_at=moment, consent_address=client or "",
                  client_hash=client_hash, created_at=moment)
    for _ in range(5):
        application = Application(reference=new_reference(), **fields)
        try:
            with session.begin_nested():
                session.add(application)
            break
        except IntegrityError:  # the reference was taken: draw another
            continue
    else:
        raise DomainError(N_("The application could not be saved; send it again."))
    audit.record(session, None, "application.submit", "application", application.id,
                 county=application.region_code)
    outbox.queue(session, [outbox.message_row(
        f"application:{application.id}:received", "application_received", "application",
        "guardian", phone, params={"child_given_name": given_name(application.child_name),
                                   "reference": application.reference})])
    log.info("application %s received for county %s", application.id,
             application.region_code)
    return application


def send_apply_code(session: Session, phone: str, client: str | None,
                    limits: otp.Limits) -> str:
    """Send a code to prove the applicant's number; returns the number in E.164."""
    otp.phone_hash_of(phone)  # raises Invalid (field ``phone``) for a bad number
    e164 = normalise_phone(phone)
    otp.issue(session, e164, "apply", client, limits)
    return e164


def confirm_apply_code(session: Session, phone: str, code: str) -> None:
    """A right ``apply`` code proves the number (E.164); raises CodeRejected."""
    otp.confirm_code(session, lookup_hash(phone), "apply", code)


def request_status_code(session: Session, reference: str, phone: str, client: str | None,
                        limits: otp.Limits) -> str:
    """Send a status code when the reference belongs to the number; the same answer
    either way. Returns the number's lookup hash for the next step."""
    phone_hash = otp.phone_hash_of(phone)
    found = _find(session, reference, phone_hash)
    otp.issue(session, normalise_phone(phone), "status", client, limits,
              send=found is not None)
    return phone_hash


def _find(session: Session, reference: str, phone_hash: str) -> Application | None:
    return session.execute(select(Application).where(
        Application.reference == (reference or "").strip().upper(),
        Application.applicant_phone_hash == phone_hash)).scalar_one_or_none()


def read_status(session: Session, reference: str, phone_hash: str,
                code: str) -> ApplicantStatus:
    """The status of the applicant's own application, after a right ``status`` code."""
    otp.confirm_code(session, phone_hash, "status", code)
    found = _find(session, reference, phone_hash)
    if found is None:
        raise DomainError(N_("No application has this reference and number; check the "
                             "reference in your SMS."))
    audit.record(session, None, "application.status_read", "application", found.id)
    return ApplicantStatus(found.reference, found.status, found.created_at, found.decided_at,
                           found.decline_reason)
