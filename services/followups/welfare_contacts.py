"""Local child-welfare contacts: who hears about a child when follow-ups lapse.

A contact is a village child director (儿童主任) or township supervisor (儿童督导员) with
a name and a mobile number. It is set for one child, or for a township of a county; the
child's own contact wins. Townships are free text on the child (乡镇/村, e.g. 六景镇石井村),
so a township contact applies to every child of that county whose township text starts
with the contact's township name (the longest such name wins).
"""

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import DomainError, NotFound
from models import Child, User, WelfareContact
from services.access import audit, policy
from services.shared.taxonomy import N_
from services.shared.validation import Checker

log = logging.getLogger(__name__)
_CHUNK = 5000

WELFARE_ROLES = {"child_director": N_("Village child director"),
                 "supervisor": N_("Township child supervisor")}


def _clean(raw: dict) -> dict:
    c = Checker(raw)
    values = {"role": c.choice("role", WELFARE_ROLES), "name": c.text("name", max_len=64),
              "phone": c.phone("phone")}
    c.done()
    return values


def normalise_township(text: str) -> str:
    return "".join((text or "").split())


def set_for_child(session: Session, actor: User, child: Child, raw: dict) -> WelfareContact:
    """Set (or replace) the child's own contact; the child must be in the actor's scope."""
    policy.require(actor, "welfare_contact.manage")
    policy.get_scoped(session, actor, Child, child.id)
    values = _clean(raw)
    contact = session.execute(select(WelfareContact).where(
        WelfareContact.child_id == child.id).with_for_update()).scalar_one_or_none()
    if contact is None:
        contact = WelfareContact(child_id=child.id, township="")
        session.add(contact)
    for name, value in values.items():
        setattr(contact, name, value)
    contact.updated_by_id = actor.id
    session.flush()
    audit.record(session, actor, "child.local_contact_set", "child", child.id)
    log.info("local contact of child %s set by user %s", child.id, actor.id)
    return contact


def clear_for_child(session: Session, actor: User, child: Child) -> bool:
    """Remove the child's own contact (the township's, if any, applies again)."""
    policy.require(actor, "welfare_contact.manage")
    policy.get_scoped(session, actor, Child, child.id)
    contact = session.execute(select(WelfareContact).where(
        WelfareContact.child_id == child.id)).scalar_one_or_none()
    if contact is None:
        return False
    session.delete(contact)
    session.flush()
    audit.record(session, actor, "child.local_contact_clear", "child", child.id)
    return True


def set_for_township(session: Session, actor: User, raw: dict, tree) -> WelfareContact:
    """Set (or replace) the contact of a township in a county the actor covers."""
    policy.require(actor, "welfare_contact.manage")
    c = Checker(raw)
    county = c.region("region_code", tree)
    township = normalise_township(c.text("township", max_len=128))
    role = c.choice("role", WELFARE_ROLES)
    values = {"role": role, "name": c.text("name", max_len=64), "phone": c.phone("phone")}
    c.done()
    if not policy.covers_region(session, actor, county):
        raise DomainError("You do not cover region %(value)s.", value=county)
    contact = session.execute(select(WelfareContact).where(
        WelfareContact.region_code == county, WelfareContact.township == township)
        .with_for_update()).scalar_one_or_none()
    if contact is None:
        contact = WelfareContact(region_code=county, township=township)
        session.add(contact)
    for name, value in values.items():
        setattr(contact, name, value)
    contact.updated_by_id = actor.id
    session.flush()
    log.info("local contact of a township in %s set by user %s", county, actor.id)
    return contact


def township_contacts(session: Session, actor: User) -> list[WelfareContact]:
    """The township contacts of the counties the actor covers."""
    policy.require(actor, "welfare_contact.manage")
    stmt = policy.scoped_township_contacts(session, actor, select(WelfareContact))
    return list(session.execute(stmt.order_by(WelfareContact.region_code,
                                              WelfareContact.township)).scalars())


def delete_township_contact(session: Session, actor: User, contact_id: int) -> None:
    policy.require(actor, "welfare_contact.manage")
    contact = session.execute(policy.scoped_township_contacts(
        session, actor, select(WelfareContact)).where(WelfareContact.id == contact_id)
    ).scalar_one_or_none()
    if contact is None:
        raise NotFound()
    session.delete(contact)
    session.flush()


def effective_contacts(session: Session, children: list[Child]) -> dict[int, WelfareContact]:
    """Each child's contact: its own, else its township's; children with none are absent."""
    if not children:
        return {}
    ids = sorted({child.id for child in children})
    found: dict[int, WelfareContact] = {}
    for start in range(0, len(ids), _CHUNK):  # bounded IN lists, however many children
        found.update((c.child_id, c) for c in session.execute(select(WelfareContact).where(
            WelfareContact.child_id.in_(ids[start:start + _CHUNK]))).scalars())
    counties = sorted({child.region_code for child in children if child.id not in found})
    by_county: dict[str, list[WelfareContact]] = {}
    if counties:
        for contact in session.execute(select(WelfareContact).where(
                WelfareContact.region_code.in_(counties))).scalars():
            by_county.setdefault(contact.region_code, []).append(contact)
    for child in children:
        if child.id in found:
            continue
        township = normalise_township(child.township)
        matches = [c for c in by_county.get(child.region_code, ())
                   if township.startswith(c.township)]
        if matches:
            found[child.id] = max(matches, key=lambda c: len(c.township))
    return found


def contact_of(session: Session, child: Child) -> WelfareContact | None:
    return effective_contacts(session, [child]).get(child.id)
