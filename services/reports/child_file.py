"""The child's file (一人一档): everything the programme knows happened to one child, in
the order it happened.

One timeline of registration and consent, pairs (start and end), every contact and visit,
each step of every case, feedback on the pairs, the SMS sent about the child, duplicate
links and re-pair flags. The caller has already checked that the user reaches the child
(services.access.policy); the file holds what the child's page may show, so phones stay
masked (the template masks them) and no ID number is included.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from core.clock import LOCAL_TZ
from models import (
    Child,
    ChildDuplicate,
    Concern,
    ContactLog,
    OutboxMessage,
    Pair,
    PairFeedback,
    User,
    Volunteer,
)
from services.duplicates.review import RULE_LABELS
from services.duplicates.review import STATUS_LABELS as DUPLICATE_STATUSES
from services.followups import cases
from services.followups.contacts import CHILD_MOODS, CONTACT_KINDS
from services.followups.feedback import CHILD_TRENDS, RESPONDENTS
from services.pairs.repairing import END_CAUSES
from services.shared.phones import mask_phone
from services.shared.taxonomy import N_

#: The kinds of entries, in the order the filter offers them.
KINDS = {"registry": N_("Registration and consent"), "pair": N_("Pairs"),
         "contact": N_("Contacts and visits"), "case": N_("Cases"),
         "feedback": N_("Feedback"), "sms": N_("SMS"), "duplicate": N_("Duplicates and re-pairing")}
#: What each SMS was, in words (our template codes are never shown).
SMS_LABELS = {
    "pair_approved_volunteer": N_("Pair approved (to the volunteer)"),
    "pair_approved_guardian": N_("Pair approved (to the guardian)"),
    "contact_due": N_("Call or video due"), "visit_due": N_("Home visit due"),
    "contact_overdue": N_("Contact overdue"),
    "escalation_coordinator": N_("Overdue follow-up (to the coordinators)"),
    "escalation_no_local_contact": N_("Overdue follow-up (to the coordinators)"),
    "escalation_local_contact": N_("Overdue follow-up (to the local contact)"),
    "concern_raised": N_("New concern (to the coordinators)"),
    "case_immediate_danger": N_("Immediate danger (to the coordinators)"),
    "case_danger_local_contact": N_("Immediate danger (to the local contact)"),
    "case_unacknowledged": N_("Case not yet acknowledged (to the coordinators)"),
    "feedback_request": N_("Feedback request"),
}
SMS_STATUSES = {"queued": N_("Waiting to be sent"), "sending": N_("Sending"),
                "sent": N_("Sent"), "delivered": N_("Delivered"),
                "failed": N_("Not delivered"), "skipped": N_("Not sent"),
                "unknown": N_("Sent, not confirmed")}

#: Every label table the file's page needs, by name.
LABELS = {"contact_kinds": CONTACT_KINDS, "moods": CHILD_MOODS, "end_causes": END_CAUSES,
          "rules": RULE_LABELS, "duplicate_statuses": DUPLICATE_STATUSES,
          "risk_levels": cases.RISK_LEVELS, "departments": cases.DEPARTMENTS,
          "concern_kinds": cases.CONCERN_KINDS, "reporters": cases.REPORTER_KINDS,
          "trends": CHILD_TRENDS, "respondents": RESPONDENTS, "sms": SMS_LABELS,
          "sms_statuses": SMS_STATUSES, "kinds": KINDS, "rungs": cases.RUNG_LABELS}


@dataclass
class Entry:
    """One line of the file: ``what`` is a message id, ``facts`` the record behind it."""

    day: date
    at: datetime | None
    kind: str
    what: str
    facts: dict = field(default_factory=dict)

    @property
    def sort_key(self):
        return (self.day, self.at or datetime.combine(self.day, datetime.min.time(), LOCAL_TZ))


def _day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def pairs_of(session: Session, child_id: int) -> list[dict]:
    """Current and past pairs: who, from, to, why it ended; the current one first."""
    rows = session.execute(
        select(Pair, Volunteer.name).join(Volunteer, Volunteer.id == Pair.volunteer_id)
        .where(Pair.child_id == child_id)
        .order_by(Pair.status == "ended", Pair.started_at.desc())).all()
    return [{"pair": pair, "volunteer_name": name} for pair, name in rows]


def timeline(session: Session, child: Child, kinds: set[str] | None = None) -> list[Entry]:
    """The child's file in order, optionally only some ``kinds`` (see KINDS)."""
    wanted = set(KINDS) if not kinds else kinds & set(KINDS)
    entries: list[Entry] = []
    pairs = pairs_of(session, child.id)
    volunteers = {p["pair"].id: p["volunteer_name"] for p in pairs}
    if "registry" in wanted:
        entries += _registry(child)
    if "pair" in wanted:
        entries += _pairs(pairs)
    if "contact" in wanted:
        entries += _contacts(session, child.id, volunteers)
    if "case" in wanted:
        entries += _cases(session, child.id)
    if "feedback" in wanted:
        entries += [Entry(_day(f.created_at), f.created_at, "feedback", N_("Feedback"),
                          {"feedback": f, "volunteer_name": volunteers.get(f.pair_id, "")})
                    for f in session.execute(select(PairFeedback).where(
                        PairFeedback.pair_id.in_(list(volunteers) or [0]))).scalars()]
    if "sms" in wanted:
        entries += [Entry(_day(m.created_at), m.created_at, "sms", N_("SMS"), {"message": m})
                    for m in session.execute(select(OutboxMessage).where(
                        OutboxMessage.child_id == child.id)).scalars()]
    if "duplicate" in wanted:
        entries += _duplicates(session, child)
    return sorted(entries, key=lambda e: e.sort_key)


def _registry(child: Child) -> list[Entry]:
    entries = [Entry(_day(child.created_at), child.created_at, "registry", N_("Registered"))]
    for consent in child.consents:
        entries.append(Entry(consent.given_on, None, "registry",
                             N_("Guardian's consent recorded"), {"consent": consent}))
        if consent.withdrawn_at:
            entries.append(Entry(_day(consent.withdrawn_at), consent.withdrawn_at, "registry",
                                 N_("Consent withdrawn"), {"consent": consent}))
    if child.left_programme_on:
        entries.append(Entry(child.left_programme_on, None, "registry",
                             N_("Left the programme"), {"reason": child.left_reason}))
    return entries


def _pairs(pairs: list[dict]) -> list[Entry]:
    entries = []
    for item in pairs:
        pair = item["pair"]
        entries.append(Entry(_day(pair.started_at), pair.started_at, "pair", N_("Paired"), item))
        if pair.ended_at:
            entries.append(Entry(_day(pair.ended_at), pair.ended_at, "pair", N_("Pair ended"),
                                 item))
    return entries


def _contacts(session: Session, child_id: int, volunteers: dict) -> list[Entry]:
    logs = session.execute(select(ContactLog).where(
        ContactLog.pair_id.in_(list(volunteers) or [0]))).scalars()
    return [Entry(log.contact_date, log.created_at, "contact",
                  N_("Home visit") if log.kind == "home_visit" else N_("Contact"),
                  {"log": log, "volunteer_name": volunteers.get(log.pair_id, "")})
            for log in logs]


def _cases(session: Session, child_id: int) -> list[Entry]:
    cases = session.execute(select(Concern).where(Concern.child_id == child_id).options(
        selectinload(Concern.events), selectinload(Concern.referrals))).scalars().all()
    actors = _names(session, {e.actor_id for c in cases for e in c.events if e.actor_id})
    entries = []
    for case in cases:
        referrals = {r.id: r for r in case.referrals}
        for event in case.events:
            entries.append(Entry(_day(event.at), event.at, "case", _EVENT_TITLES[event.kind], {
                "case": case, "event": event, "actor": actors.get(event.actor_id, ""),
                "referral": referrals.get(event.detail.get("referral_id"))}))
    return entries


_EVENT_TITLES = {"reported": N_("Concern reported"), "acknowledged": N_("Case acknowledged"),
                 "escalated": N_("Case not yet acknowledged: alerted upwards"),
                 "assessed": N_("Case assessed"), "referred": N_("Case referred"),
                 "referral_outcome": N_("Referral outcome"), "closed": N_("Case closed")}


def _duplicates(session: Session, child: Child) -> list[Entry]:
    entries = [Entry(_day(d.decided_at or d.found_at), d.decided_at or d.found_at,
                     "duplicate", N_("Possible duplicate"), {"duplicate": d,
                                                              "other_id": d.other(child.id)})
               for d in session.execute(select(ChildDuplicate).where(or_(
                   ChildDuplicate.child_a_id == child.id,
                   ChildDuplicate.child_b_id == child.id))).scalars()]
    if child.repair_needed_since:
        entries.append(Entry(_day(child.repair_needed_since), child.repair_needed_since,
                             "duplicate", N_("Flagged to be paired again")))
    return entries


def _names(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(session.execute(select(User.id, User.name).where(
        User.id.in_(sorted(user_ids)))).tuples().all())


def as_record(entry: Entry) -> dict:
    """An entry as plain values for the API (codes, ids and the texts people wrote; phones
    masked, as on the page)."""
    f, record = entry.facts, {}
    if entry.kind == "registry" and "consent" in f:
        record = {"consent_id": f["consent"].id, "given_by": f["consent"].given_by,
                  "method": f["consent"].method}
    elif entry.kind == "pair":
        pair = f["pair"]
        record = {"pair_id": pair.id, "volunteer_name": f["volunteer_name"],
                  "status": pair.status, "end_cause": pair.end_cause}
    elif entry.kind == "contact":
        log = f["log"]
        record = {"contact_id": log.id, "pair_id": log.pair_id, "contact_kind": log.kind,
                  "duration_minutes": log.duration_minutes, "child_mood": log.child_mood,
                  "notes": log.notes, "school_dropout": log.school_dropout,
                  "volunteer_name": f["volunteer_name"]}
    elif entry.kind == "case":
        event, referral = f["event"], f["referral"]
        record = {"case_id": f["case"].id, "event": event.kind,
                  "detail": dict(event.detail), "actor_name": f["actor"]}
        if referral is not None:
            record["referral"] = {"id": referral.id, "department": referral.department,
                                  "request": referral.request, "outcome": referral.outcome}
    elif entry.kind == "feedback":
        answer = f["feedback"]
        record = {"feedback_id": answer.id, "respondent": answer.respondent,
                  "satisfaction": answer.satisfaction, "child_trend": answer.child_trend,
                  "comment": answer.comment}
    elif entry.kind == "sms":
        message = f["message"]
        record = {"message_id": message.id, "template": message.template,
                  "audience": message.audience, "status": message.status,
                  "to_phone_masked": mask_phone(message.to_phone)}
    elif entry.kind == "duplicate" and "duplicate" in f:
        record = {"duplicate_id": f["duplicate"].id, "other_child_id": f["other_id"],
                  "rule": f["duplicate"].rule, "status": f["duplicate"].status}
    return {"day": entry.day, "at": entry.at, "kind": entry.kind, "title": entry.what,
            "record": record}
