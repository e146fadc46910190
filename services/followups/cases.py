"""A concern as a protection case (五位一体): report, acknowledge, assess, refer, close.

Rules:
- *Report* (强制报告): what, when, where and who reported. A volunteer reports about their
  own pair's child; a coordinator records their own report, a local child-welfare
  contact's, or a guardian's by phone (then the caller's name is required). Every
  coordinator covering the child's county is told at once. "Immediate danger" tells the
  reporter on screen to call 110 and sends mandatory alerts to those coordinators and to
  the child's local child-welfare contact.
- *Respond* (应急处置): a coordinator acknowledges (受理) within the hours set in the
  programme settings (2 for immediate danger, 24 otherwise by default). Until then the
  case climbs the region tree, one rung per window after the due time: the county's own
  coordinators when it passes, the city's one window later, the province's one more
  window later. Each rung is one mandatory SMS per person, written once (its outbox key).
- *Assess* (评估帮扶): risk level, a short plan, the next review date (may be re-assessed).
- *Refer* (转介, 监护干预): any number of referrals to the departments, each with its outcome.
- *Close* (办结): an outcome and a reason; the case stays in the child's file.
Every step writes an audit row and a case event (the file's timeline); a closed case
takes no more steps.
"""

import logging
import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import now, today_local
from core.errors import DomainError, NotFound
from models import CaseEvent, CaseReferral, Child, Concern, User
from services import notices
from services.access import audit, policy
from services.followups import welfare_contacts
from services.regions import region_tree
from services.settings import get_settings
from services.shared.taxonomy import N_
from services.shared.validation import Checker

log = logging.getLogger(__name__)

CONCERN_KINDS = {"safety": N_("Safety"), "health": N_("Health"),
                 "abuse_neglect": N_("Abuse or neglect suspected"),
                 "dropout": N_("Dropping out of school"), "other": N_("Other")}
#: Short Chinese labels for the coordinators' SMS (the SMS is always in Chinese).
CONCERN_SMS_LABELS = {"safety": "安全", "health": "健康", "abuse_neglect": "疑似虐待或忽视",
                      "dropout": "辍学", "other": "其他"}
STEPS = {"reported": N_("Reported"), "acknowledged": N_("Acknowledged"),
         "assessed": N_("Assessed"), "referred": N_("Referred"), "closed": N_("Closed (办结)")}
REPORTER_KINDS = {"volunteer": N_("Volunteer"), "coordinator": N_("Coordinator"),
                  "local_contact": N_("Local child-welfare contact"),
                  "guardian": N_("Guardian, by phone")}
#: Who a coordinator may record a report for (a volunteer reports for themselves).
STAFF_REPORTERS = ("coordinator", "local_contact", "guardian")
RISK_LEVELS = {"low": N_("Low"), "medium": N_("Medium"), "high": N_("High"),
               "immediate": N_("Immediate danger")}
DEPARTMENTS = {"civil_affairs": N_("Civil affairs (民政)"),
               "public_security": N_("Public security (公安)"),
               "education": N_("Education (教育)"), "health": N_("Health (卫生健康)"),
               "womens_federation": N_("Women's federation (妇联)"),
               "youth_league": N_("Youth League (共青团)"),
               "disabled_federation": N_("Disabled persons' federation (残联)"),
               "judicial": N_("Court, procuratorate or justice bureau (法院/检察院/司法局)"),
               "cyberspace": N_("Cyberspace office (网信)")}
EVENT_LABELS = {"reported": N_("Reported"), "acknowledged": N_("Acknowledged (受理)"),
                "escalated": N_("Not yet acknowledged: coordinators above alerted"),
                "assessed": N_("Assessed"), "referred": N_("Referred"),
                "referral_outcome": N_("Referral outcome recorded"), "closed": N_("Closed")}
#: The rungs of the acknowledgement ladder, from the child's county upwards.
RUNGS = ("county", "city", "province")
RUNG_LABELS = {"county": N_("The county's coordinators"), "city": N_("The city's coordinators"),
               "province": N_("The province's coordinators")}
_PHONE = re.compile(r"^[0-9+\-() ]{3,20}$")


def ack_window(settings, immediate: bool) -> timedelta:
    """How long a coordinator has to acknowledge a case."""
    return timedelta(hours=settings.ack_hours_immediate if immediate
                     else settings.ack_hours_other)


def get_case(session: Session, user: User, case_id: int) -> Concern:
    """A case about a child in the user's counties, else NotFound."""
    found = session.execute(policy.scoped_by_child(session, user, Concern)
                            .where(Concern.id == case_id)).scalar_one_or_none()
    if found is None:
        raise NotFound()
    return found


def report(session: Session, actor: User, child: Child, raw: dict, *,
           pair_id: int | None = None, contact_log_id: int | None = None) -> Concern:
    """Open a case from a report form (the caller has checked the actor reaches the child)."""
    c = Checker(raw)
    kind = c.choice("kind", CONCERN_KINDS)
    text = c.text("text", max_len=2000)
    occurred_on = c.day("occurred_on", required=False, not_after=today_local())
    place = c.text("place", required=False, max_len=200)
    reporter_kind, reporter_name = "volunteer", ""
    if actor.role != "volunteer":
        reporter_kind = c.choice("reporter_kind", STAFF_REPORTERS) or "coordinator"
        reporter_name = c.text("reporter_name", required=reporter_kind != "coordinator")
    c.done()
    return open_case(session, actor, child, kind, text, pair_id=pair_id,
                     contact_log_id=contact_log_id, occurred_on=occurred_on, place=place,
                     reporter_kind=reporter_kind, reporter_name=reporter_name,
                     immediate_danger=bool(raw.get("immediate_danger")))


def open_case(session: Session, actor: User, child: Child, kind: str, text: str, *,
              pair_id=None, contact_log_id=None, occurred_on=None, place="",
              reporter_kind="volunteer", reporter_name="", immediate_danger=False) -> Concern:
    """Write the case, its first event and audit row, and alert the coordinators."""
    settings = get_settings(session)
    reported_at = now()
    case = Concern(child_id=child.id, pair_id=pair_id, contact_log_id=contact_log_id,
                   kind=kind, text=text.strip(), raised_by_id=actor.id, status="open",
                   step="reported", immediate_danger=immediate_danger, occurred_on=occurred_on,
                   place=place, reporter_kind=reporter_kind, reporter_name=reporter_name,
                   created_at=reported_at,
                   ack_due_at=reported_at + ack_window(settings, immediate_danger))
    session.add(case)
    session.flush()
    _event(session, actor, case, "reported", immediate_danger=immediate_danger,
           reporter_kind=reporter_kind)
    county = region_tree(session).get(child.region_code)
    county_name = county.name if county else ""
    notices.queue_concern_alert(session, case, child, CONCERN_SMS_LABELS[kind])
    if immediate_danger:
        notices.queue_danger_alerts(session, case, child, county_name,
                                    welfare_contacts.contact_of(session, child))
    log.warning("case %s (%s%s) reported about child %s by user %s", case.id, kind,
                ", immediate danger" if immediate_danger else "", child.id, actor.id)
    return case


def acknowledge(session: Session, actor: User, case: Concern) -> None:
    """受理: a coordinator takes the case on; the ladder stops."""
    _still_open(case)
    if case.acknowledged_at is not None:
        raise DomainError("This case has already been acknowledged.")
    case.acknowledged_at, case.acknowledged_by_id, case.step = now(), actor.id, "acknowledged"
    _event(session, actor, case, "acknowledged")


def assess(session: Session, actor: User, case: Concern, raw: dict) -> None:
    """Record (or revise) the risk level, the plan and the next review date."""
    _acknowledged_first(case)
    c = Checker(raw)
    risk = c.choice("risk_level", RISK_LEVELS)
    plan = c.text("plan", max_len=2000)
    review = c.day("next_review_on")
    if review and review < today_local():
        c.fail("next_review_on", "The review date cannot be in the past.")
    c.done()
    case.risk_level, case.plan, case.next_review_on = risk, plan, review
    case.assessed_at = now()
    if case.step == "acknowledged":
        case.step = "assessed"
    _event(session, actor, case, "assessed", risk_level=risk,
           next_review_on=review.isoformat())


def refer(session: Session, actor: User, case: Concern, raw: dict) -> CaseReferral:
    """Refer the case to a department (转介); guardianship intervention is flagged."""
    _acknowledged_first(case)
    c = Checker(raw)
    values = {
        "referred_on": c.day("referred_on", not_after=today_local()),
        "department": c.choice("department", DEPARTMENTS),
        "contact_name": c.text("contact_name", required=False, max_len=64),
        "contact_phone": c.text("contact_phone", required=False, max_len=20),
        "request": c.text("request", max_len=2000),
        "guardianship_intervention": bool(raw.get("guardianship_intervention")),
    }
    if values["contact_phone"] and not _PHONE.match(values["contact_phone"]):
        c.fail("contact_phone", "Write the phone number with digits only, e.g. 0771-1234567.")
    c.done()
    referral = CaseReferral(concern_id=case.id, created_by_id=actor.id, outcome="",
                            **values)
    session.add(referral)
    session.flush()
    case.step = "referred"
    _event(session, actor, case, "referred", referral_id=referral.id,
           department=values["department"],
           guardianship_intervention=values["guardianship_intervention"])
    return referral


def record_outcome(session: Session, actor: User, case: Concern, referral_id: int,
                   raw: dict) -> CaseReferral:
    """What the department did, when it is known."""
    _still_open(case)
    referral = next((r for r in case.referrals if r.id == referral_id), None)
    if referral is None:
        raise NotFound()
    c = Checker(raw)
    outcome = c.text("outcome", max_len=2000)
    outcome_on = c.day("outcome_on", not_after=today_local())
    c.done()
    referral.outcome, referral.outcome_on = outcome, outcome_on
    _event(session, actor, case, "referral_outcome", referral_id=referral.id,
           department=referral.department)
    return referral


def close(session: Session, actor: User, case: Concern, raw: dict) -> None:
    """办结: needs an outcome and a reason; closing also acknowledges an open report."""
    _still_open(case)
    c = Checker(raw)
    outcome = c.text("outcome", max_len=2000)
    reason = c.text("close_reason", max_len=2000)
    c.done()
    stamp = now()
    if case.acknowledged_at is None:
        case.acknowledged_at, case.acknowledged_by_id = stamp, actor.id
    case.action, case.close_reason, case.action_by_id, case.action_at = \
        outcome, reason, actor.id, stamp
    case.status, case.step = "closed", "closed"
    _event(session, actor, case, "closed")


def sweep_acknowledgements(session: Session, moment: datetime, settings) -> int:
    """Alert the next rungs of every unacknowledged case whose time has passed.

    Rung k (county 0, city 1, province 2) is due ``k`` windows after ``ack_due_at``.
    Returns how many rungs were climbed.
    """
    due = session.execute(select(Concern).where(
        Concern.status == "open", Concern.acknowledged_at.is_(None),
        Concern.ack_due_at <= moment, Concern.ack_rungs_sent < len(RUNGS))).scalars().all()
    tree = region_tree(session)
    climbed = 0
    for case in due:
        window = ack_window(settings, case.immediate_danger)
        reached = min(len(RUNGS), (moment - case.ack_due_at) // window + 1)
        child = session.get(Child, case.child_id)
        levels = list(reversed(tree.path(child.region_code)))  # county, city, province
        hours = int(window.total_seconds() // 3600)
        for rung in range(case.ack_rungs_sent, reached):
            region = levels[rung] if rung < len(levels) else None
            recipients = coordinators_at(session, region.code) if region else []
            notices.queue_unacknowledged_alerts(
                session, case, child, RUNGS[rung], recipients,
                county=levels[0].name if levels else "", kind=CONCERN_SMS_LABELS[case.kind],
                hours=str(hours * (rung + 1)))
            _event(session, None, case, "escalated", rung=RUNGS[rung],
                   recipients=len(recipients))
            climbed += 1
        case.ack_rungs_sent = reached
    session.flush()
    if climbed:
        log.warning("acknowledgement ladder: %s rungs climbed at %s", climbed,
                    moment.isoformat())
    return climbed


def coordinators_at(session: Session, region_code: str) -> list[User]:
    """Active coordinators whose own regions include exactly this region."""
    return [u for u in policy.coordinators_of(session, region_code)
            if region_code in u.region_codes]


def _event(session: Session, actor: User | None, case: Concern, kind: str, **detail) -> None:
    session.add(CaseEvent(concern_id=case.id, kind=kind, actor_id=actor.id if actor else None,
                          at=now(), detail=detail))
    audit.record(session, actor, f"case.{kind}", "concern", case.id, **detail)
    session.flush()
    log.info("case %s: %s by %s", case.id, kind, actor.id if actor else "the ladder")


def _still_open(case: Concern) -> None:
    if case.status != "open":
        raise DomainError("This case is closed; it can no longer be changed.")


def _acknowledged_first(case: Concern) -> None:
    _still_open(case)
    if case.acknowledged_at is None:
        raise DomainError("Acknowledge the case first (受理).")
