"""The county's queue of applications: verify (核实), then accept or decline.

Rules:
- Only the coordinators of the application's county reach it (services.access.policy);
  reading one is audited, and so is every decision.
- Verification comes first, by phone or home visit, with a note; the database refuses a
  decision on an unverified application. A decided application is never decided again.
- Accepting registers the child (services.registry.children: the coordinator's scope,
  the field rules, duplicates checked) with the family's online consent as the child's
  consent record, and tells the applicant by SMS; declining needs a short reason, which
  the applicant gets by SMS.
"""

import logging

from sqlalchemy import case
from sqlalchemy.orm import Session

from core.clock import LOCAL_TZ, now
from core.errors import DomainError
from models import Application, Child, ConsentRecord, User
from services.access import audit, policy
from services.regions import RegionTree
from services.registry import children
from services.shared import taxonomy
from services.shared.names import given_name
from services.shared.taxonomy import N_
from services.shared.validation import Checker
from services.sms import outbox

log = logging.getLogger(__name__)

OPEN_STATUSES = ("waiting", "verified")
VERIFICATION_METHODS = {"phone": N_("By phone"), "home_visit": N_("Home visit")}
#: A decline reason goes into one SMS segment with the rest of the message.
REASON_MAX = 20


def queue(session: Session, actor: User, *, decided: bool = False) -> list[Application]:
    """The actor's open applications, oldest first (or the last 100 decided ones)."""
    stmt = policy.scoped(session, actor, Application)
    if decided:
        stmt = stmt.where(Application.status.notin_(OPEN_STATUSES)).order_by(
            Application.decided_at.desc()).limit(100)
    else:
        stmt = stmt.where(Application.status.in_(OPEN_STATUSES)).order_by(
            case((Application.status == "waiting", 0), else_=1), Application.created_at)
    return list(session.execute(stmt).scalars())


def get(session: Session, actor: User, application_id: int) -> Application:
    """One application the actor may read (audited), else NotFound."""
    application = policy.get_scoped(session, actor, Application, application_id)
    audit.record(session, actor, "application.view", "application", application.id)
    return application


def _still_open(application: Application) -> None:
    if application.status not in OPEN_STATUSES:
        raise DomainError(N_("This application was already decided."))


def verify(session: Session, actor: User, application: Application, raw: dict) -> None:
    """Record how the coordinator checked the application (phone or home visit)."""
    _still_open(application)
    c = Checker(raw)
    method = c.choice("method", VERIFICATION_METHODS)
    note = c.text("note", max_len=2000)
    c.done()
    application.status = "verified"
    application.verification_method, application.verification_note = method, note
    application.verified_by_id, application.verified_at = actor.id, now()
    session.flush()
    audit.record(session, actor, "application.verify", "application", application.id,
                 method=method)
    log.info("application %s verified by user %s", application.id, actor.id)


def accept(session: Session, actor: User, application: Application, tree: RegionTree,
           priority: str = "normal") -> Child:
    """Register the child with the family's online consent; the SMS tells the applicant."""
    _still_open(application)
    if application.status != "verified":
        raise DomainError(N_("Verify the application (by phone or a home visit) before "
                             "accepting it."))
    if priority not in taxonomy.PRIORITIES:
        raise DomainError(N_("Choose a priority."))
    raw = {"name": application.child_name, "gender": application.child_gender,
           "birth_date": application.child_birth_date, "region_code": application.region_code,
           "township": application.township, "category": application.category,
           "sub_type": application.sub_type, "hukou_region_code": application.hukou_region_code,
           "needs": application.needs, "priority": priority,
           "guardian_name": application.applicant_name,
           "guardian_relation": application.applicant_relation,
           "guardian_phone": application.applicant_phone,
           "notes": application.situation[:2000]}
    child = children.register_child(session, actor, raw, tree)
    record = ConsentRecord(
        given_by=application.signature, relation=application.applicant_relation,
        method="online", given_on=application.consented_at.astimezone(LOCAL_TZ).date(),
        notice_version=application.notice_version, recorded_by_id=actor.id,
        application_id=application.id)
    child.consents.insert(0, record)
    child.note_consent()
    application.status, application.child_id = "accepted", child.id
    application.decided_by_id, application.decided_at = actor.id, now()
    session.flush()
    audit.record(session, actor, "child.consent", "child", child.id, method="online")
    audit.record(session, actor, "application.accept", "application", application.id,
                 child=child.id)
    _tell(session, application, "application_accepted")
    log.info("application %s accepted by user %s as child %s", application.id, actor.id,
             child.id)
    return child


def decline(session: Session, actor: User, application: Application, raw: dict) -> None:
    """Decline with a short reason, which the applicant gets by SMS."""
    _still_open(application)
    if application.status != "verified":
        raise DomainError(N_("Verify the application (by phone or a home visit) before "
                             "declining it."))
    c = Checker(raw)
    reason = c.text("reason", max_len=REASON_MAX)
    c.done()
    application.status, application.decline_reason = "declined", reason
    application.decided_by_id, application.decided_at = actor.id, now()
    session.flush()
    audit.record(session, actor, "application.decline", "application", application.id)
    _tell(session, application, "application_declined", reason=reason)
    log.info("application %s declined by user %s", application.id, actor.id)


def _tell(session: Session, application: Application, template: str, **params) -> None:
    outbox.queue(session, [outbox.message_row(
        f"application:{application.id}:{template.removeprefix('application_')}", template,
        "application", "guardian", application.applicant_phone,
        params={"child_given_name": given_name(application.child_name),
                "reference": application.reference, **params})])

