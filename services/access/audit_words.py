"""What an access-history row says in words: who (name and role), what, when.

Labels are English message ids marked with ``N_``; the page shows them through ``_()``,
so the Chinese interface reads 查看档案, 导出台账, 显示身份证号 and so on. An action with
no label here (a new one) is shown as 其他操作, never as its code.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEntry, User
from services.shared.taxonomy import N_

ROLE_LABELS: dict[str, str] = {
    "admin": N_("Administrator"),
    "coordinator": N_("Coordinator"),
    "volunteer": N_("Volunteer"),
    "system": N_("The system"),
}

ACTION_LABELS: dict[str, str] = {
    "child.view": N_("Viewed the record"),
    "child.list": N_("Saw the record in a list"),
    "child.create": N_("Registered the child"),
    "child.update": N_("Changed the record"),
    "child.consent": N_("Recorded the guardian's consent"),
    "child.consent_withdraw": N_("Recorded that consent was withdrawn"),
    "child.leave": N_("Recorded that the child left the programme"),
    "child.anonymise": N_("Anonymised the record"),
    "child.reveal_id": N_("Showed the ID number in full"),
    "child.reveal_phone": N_("Showed the guardian's phone in full"),
    "child.local_contact_set": N_("Set the local welfare contact"),
    "child.local_contact_clear": N_("Cleared the local welfare contact"),
    "children.import": N_("Imported a ledger"),
    "volunteers.import": N_("Imported a ledger"),
    "ledger.export": N_("Exported a ledger"),
    "duplicate.dismiss": N_("Marked as not a duplicate"),
    "duplicate.link": N_("Linked as the same child"),
    "pair.approve": N_("Approved a pair"),
    "pair.end": N_("Ended a pair"),
    "proposal.reject": N_("Rejected a proposal"),
    "run.export": N_("Exported the proposals"),
    "volunteer.check": N_("Recorded a background check"),
    "volunteer.check_expired": N_("Background check expired"),
    "volunteer.recheck": N_("Asked for a new background check"),
    "volunteer.delete": N_("Deleted the volunteer"),
    "volunteer.reveal_phone": N_("Showed the phone in full"),
    "volunteer.vet": N_("Vetted the volunteer"),
    "volunteer.reject": N_("Rejected the volunteer"),
    "volunteer.suspend": N_("Suspended the volunteer"),
    "volunteer.reinstate": N_("Reinstated the volunteer"),
    "target.set": N_("Set a programme target"),
}
OTHER_ACTION = N_("Another action")


def history_rows(session: Session, record_type: str, record_id: int,
                 limit: int = 500) -> list[dict]:
    """A record's access history, newest first, with the actor's name and labels."""
    rows = session.execute(
        select(AuditEntry, User.name).outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.record_type == record_type, AuditEntry.record_id == record_id)
        .order_by(AuditEntry.id.desc()).limit(limit)).all()
    return [{"at": entry.at, "who": name or "", "ip": entry.ip,
             "role": ROLE_LABELS.get(entry.actor_role or "system", ROLE_LABELS["system"]),
             "what": ACTION_LABELS.get(entry.action, OTHER_ACTION)} for entry, name in rows]
