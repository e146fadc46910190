"""Opt-outs a coordinator decides, and undoing them; every one audited.

Rules:
- A coordinator may stop SMS only to numbers of the volunteers and the children's
  guardians in their own counties (an admin: anywhere). Never a staff account's number
  (another coordinator's alerts must not be silenced) and never a local child-welfare
  contact's (they receive escalations), even if that number is also a volunteer's.
- An opt-out holds back routine messages only (services.sms.sender): concern alerts,
  escalations and one-time codes still go out.
- A coordinator's opt-out can be undone by a coordinator who could have made it; a
  number's own reply (回T退订) is the person's decision and is not undone here.
- Opting out and undoing each write an audit row (who, which opt-out, why).
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.crypto import lookup_hash
from core.errors import DomainError, NotFound
from models import Child, OptOut, User, Volunteer, WelfareContact
from services.access import audit, policy
from services.shared.taxonomy import N_
from services.sms.sender import opt_out


@dataclass(frozen=True)
class Owner:
    """Whose number an opt-out is, as the outbox page shows it."""

    kind: str  # "volunteer" or "guardian"
    name: str
    phone: str


def _owners(session: Session, actor: User, digests: list[str]) -> dict[str, Owner]:
    """Volunteers and guardians in the actor's counties with one of these numbers."""
    owners: dict[str, Owner] = {}
    for volunteer in session.execute(policy.scoped(session, actor, Volunteer).where(
            Volunteer.phone_hash.in_(digests))).scalars():
        owners[volunteer.phone_hash] = Owner("volunteer", volunteer.name, volunteer.phone)
    for child in session.execute(policy.scoped(session, actor, Child).where(
            Child.guardian_phone_hash.in_(digests))).scalars():
        owners.setdefault(child.guardian_phone_hash,
                          Owner("guardian", child.name, child.guardian_phone))
    return owners


def _protected(session: Session, digest: str) -> bool:
    """A staff account's or a local child-welfare contact's number."""
    staff = session.execute(select(User.id).where(
        User.phone_hash == digest, User.role.in_(("admin", "coordinator")))).first()
    local = session.execute(select(WelfareContact.id).where(
        WelfareContact.phone_hash == digest)).first()
    return staff is not None or local is not None


def opt_out_number(session: Session, actor: User, phone: str, note: str = "") -> OptOut:
    """Stop routine SMS to a volunteer's or guardian's number in the actor's counties."""
    policy.require(actor, "sms.opt_out")
    digest = lookup_hash(phone)
    if _protected(session, digest):
        raise DomainError(N_("This number belongs to a coordinator or a local child-welfare "
                             "contact; their messages cannot be switched off here."))
    if digest not in _owners(session, actor, [digest]):
        raise DomainError(N_("This number is not a volunteer's or a guardian's in your "
                             "counties; check the number."))
    opt_out(session, phone, "coordinator", actor, note)
    record = session.execute(select(OptOut).where(OptOut.phone_hash == digest)).scalar_one()
    audit.record(session, actor, "sms.opt_out", "sms_opt_out", record.id, note=note)
    return record


def undo_opt_out(session: Session, actor: User, opt_out_id: int) -> None:
    """Let routine SMS reach the number again (messages already skipped stay skipped)."""
    policy.require(actor, "sms.opt_out")
    record = session.get(OptOut, opt_out_id)
    if record is None or record.source != "coordinator" \
            or record.phone_hash not in _owners(session, actor, [record.phone_hash]):
        raise NotFound()
    audit.record(session, actor, "sms.opt_out_undone", "sms_opt_out", record.id)
    session.delete(record)
    session.flush()


def visible_opt_outs(session: Session, actor: User,
                     limit: int = 500) -> list[tuple[OptOut, Owner]]:
    """The opt-outs of numbers in the actor's counties, newest first, with their owner."""
    records = session.execute(select(OptOut).order_by(OptOut.id.desc()).limit(limit)
                              ).scalars().all()
    owners = _owners(session, actor, [r.phone_hash for r in records]) if records else {}
    return [(r, owners[r.phone_hash]) for r in records if r.phone_hash in owners]
