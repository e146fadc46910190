"""The child registry: registering and updating children, and guardians' consent.

A child without a current (not withdrawn) consent record is flagged and never matched.
"""

import logging

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core import crypto
from core.clock import now, today_local
from core.errors import DomainError
from models import Child, ConsentRecord, OutboxMessage, Pair, User
from services.access import audit
from services.access.policy import covers_region
from services.duplicates import detect
from services.pairs import lifecycle
from services.regions import RegionTree
from services.registry.search import listing
from services.shared import taxonomy
from services.shared.validation import Checker
from services.sms import outbox

log = logging.getLogger(__name__)

CHILD_FIELDS = ("name", "gender", "birth_date", "region_code", "township", "latitude",
                "longitude", "category", "sub_type", "needs", "priority", "guardian_name",
                "guardian_relation", "guardian_phone", "school", "notes")


#: The relations a guardian (or whoever gave consent) may have: forms, API and imports.
GUARDIAN_RELATIONS = taxonomy.GUARDIAN_RELATIONS


def clean_child(raw: dict, tree: RegionTree, c: Checker | None = None) -> dict:
    """Clean a child's fields (form, API or ledger row); the ID number comes back apart."""
    c = c or Checker(raw)
    clean = {
        "name": c.text("name"),
        "gender": c.choice("gender", taxonomy.GENDERS),
        "birth_date": c.day("birth_date", not_after=today_local()),
        "region_code": c.region("region_code", tree),
        "township": c.text("township", required=False, max_len=128),
        "category": c.choice("category", taxonomy.CATEGORIES),
        "sub_type": c.choice("sub_type", taxonomy.SUB_TYPES, required=False),
        "needs": taxonomy.join_codes(c.codes("needs", taxonomy.NEEDS)),
        "priority": c.choice("priority", taxonomy.PRIORITIES, required=False) or "normal",
        "guardian_name": c.text("guardian_name"),
        # A code from the list, never free text (the pages show its translated label).
        "guardian_relation": c.choice("guardian_relation", GUARDIAN_RELATIONS),
        "guardian_phone": c.phone("guardian_phone"),
        "school": c.text("school", required=False, max_len=128),
        "notes": c.text("notes", required=False, max_len=2000),
        "id_number": c.id_number("id_number"),
    }
    clean["latitude"], clean["longitude"] = c.location()
    birth = clean["birth_date"]
    if birth and today_local().year - birth.year > 18:
        c.fail("birth_date", "The programme is for children under 18.")
    if clean["id_number"] and birth and clean["id_number"][6:14] != birth.strftime("%Y%m%d"):
        c.fail("id_number", "The birth date in the ID number differs from the birth date.")
    c.done()
    return clean


def apply_id_number(child: Child, id_number: str | None) -> None:
    """Store an ID number encrypted, keeping only the last four characters in clear."""
    if id_number:
        child.id_number_encrypted = crypto.encrypt(id_number)
        child.id_number_tail = id_number[-4:]
    detect.set_keys(child, id_number)


def register_child(session: Session, actor: User, raw: dict, tree: RegionTree,
                   consent: dict | None = None) -> Child:
    """Register a child in a county the actor covers, with the guardian's consent if given."""
    clean = clean_child(raw, tree)
    if not covers_region(session, actor, clean["region_code"]):
        raise DomainError("You do not cover region %(value)s.", value=clean["region_code"])
    id_number = clean.pop("id_number")
    child = Child(created_by_id=actor.id, **clean)
    apply_id_number(child, id_number)
    session.add(child)
    if consent:
        record_consent(session, actor, child, consent)
    session.flush()
    audit.record(session, actor, "child.create", "child", child.id)
    log.info("child %s registered by user %s", child.id, actor.id)
    #: Possible duplicates anywhere, as the registering coordinator may see them.
    child.duplicate_notices = detect.detect_for_child(session, actor, child)
    return child


def update_child(session: Session, actor: User, child: Child, raw: dict,
                 tree: RegionTree) -> None:
    """Change a child's fields; moving the child needs the new county in scope too."""
    clean = clean_child(raw, tree)
    if not covers_region(session, actor, clean["region_code"]):
        raise DomainError("You do not cover region %(value)s.", value=clean["region_code"])
    id_number = clean.pop("id_number")
    for name, value in clean.items():
        setattr(child, name, value)
    apply_id_number(child, id_number)
    session.flush()
    audit.record(session, actor, "child.update", "child", child.id)
    log.info("child %s updated by user %s", child.id, actor.id)
    child.duplicate_notices = detect.detect_for_child(session, actor, child)


def clean_consent(raw: dict) -> dict:
    c = Checker(raw)
    clean = {
        "given_by": c.text("given_by"),
        "relation": c.choice("relation", GUARDIAN_RELATIONS),
        "method": c.choice("method", taxonomy.CONSENT_METHODS),
        "given_on": c.day("given_on", not_after=today_local()),
    }
    c.done()
    return clean


def record_consent(session: Session, actor: User, child: Child, raw: dict) -> ConsentRecord:
    """Record the guardian's consent (who, relation, how, when)."""
    record = ConsentRecord(recorded_by_id=actor.id, **clean_consent(raw))
    child.consents.insert(0, record)
    child.note_consent()
    session.flush()
    audit.record(session, actor, "child.consent", "child", child.id, method=record.method)
    log.info("consent %s recorded for child %s by user %s", record.id, child.id, actor.id)
    return record


#: What can be shown in full on request, and the audited action for each.
REVEALABLE = {"id_number": "child.reveal_id", "guardian_phone": "child.reveal_phone"}


def reveal(session: Session, actor: User, child: Child, field: str) -> str | None:
    """A child's ID number or guardian's phone in full, for an actor allowed to see it;
    always audited."""
    audit.record(session, actor, REVEALABLE[field], "child", child.id)
    session.flush()
    if field == "guardian_phone":
        return child.guardian_phone
    return crypto.decrypt(child.id_number_encrypted) if child.id_number_encrypted else None


def withdraw_consent(session: Session, actor: User, child: Child) -> None:
    """Withdraw the current consent: the child is no longer matched or messaged."""
    current = child.current_consent
    if current is None:
        raise DomainError("This child has no consent to withdraw.")
    current.withdrawn_at = now()
    child.note_consent()
    outbox.skip_queued(session, "guardian consent withdrawn",
                       OutboxMessage.child_id == child.id,
                       OutboxMessage.audience.in_(("volunteer", "guardian")))
    session.flush()
    audit.record(session, actor, "child.consent_withdraw", "child", child.id)
    log.info("consent %s withdrawn for child %s by user %s", current.id, child.id, actor.id)


def record_leaving(session: Session, actor: User, child: Child, raw: dict) -> None:
    """The child left the programme: an active pair ends, and the retention clock starts."""

    c = Checker(raw)
    day = c.day("left_on", not_after=today_local())
    reason = c.text("reason", max_len=128)
    c.done()
    active = session.execute(select(Pair).where(Pair.child_id == child.id,
                                                Pair.status == "active")).scalar_one_or_none()
    if active is not None:
        lifecycle.end_pair(session, actor, active, f"the child left the programme: {reason}")
    child.left_programme_on, child.left_reason = day, reason
    session.flush()
    audit.record(session, actor, "child.leave", "child", child.id)


def search(session: Session, user: User, *, text: str = "", priority: str | None = None,
           region_code: str | None = None, has_consent: bool | None = None,
           newest_first: bool = False) -> Select:
    """The children the user may see, filtered; pages and the API list children by this."""
    return listing(session, user, Child, text=text, newest_first=newest_first,
                   priority=priority, region_code=region_code, consenting=has_consent)
