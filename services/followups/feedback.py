"""Structured feedback on a pair (回访): at 3 months and when the pair ends.

- The volunteer is asked by SMS with a link to a short form that needs no log-in; the
  same request can be answered from their own pages when logged in. The link's token is
  random (128 bits), kept only as a keyed hash, works once and expires after
  :data:`LINK_DAYS` days.
- A coordinator records the guardian's answers after a call.
- The database allows one answer per (pair, round, respondent) and one request per
  (pair, round), so a double sweep, a double submit or two tabs cannot write twice.
"""

import logging
import secrets
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import LOCAL_TZ, now
from core.crypto import lookup_hash
from core.errors import DomainError, NotFound
from core.site import public_link
from models import Child, FeedbackRequest, Pair, PairFeedback, User, Volunteer
from services.access.policy import scoped_pairs
from services.shared.names import given_name
from services.shared.taxonomy import N_
from services.shared.validation import Checker
from services.sms import outbox

log = logging.getLogger(__name__)

#: How long a feedback link works.
LINK_DAYS = 30
#: The first feedback round comes this many calendar months after the pair started.
FIRST_ROUND_MONTHS = 3

ROUNDS = {"three_months": N_("After 3 months"), "end": N_("At the end of the pair")}
SATISFACTION = {"5": N_("5 – very good"), "4": N_("4 – good"), "3": N_("3 – fair"),
                "2": N_("2 – poor"), "1": N_("1 – very poor")}
CONTACT_FREQUENCIES = {"weekly": N_("About every week"),
                       "fortnightly": N_("About every two weeks"),
                       "monthly": N_("About every month"), "rarely": N_("Less often")}
CHILD_TRENDS = {"better": N_("Better"), "same": N_("About the same"), "worse": N_("Worse")}
YES_NO = {"yes": N_("Yes"), "no": N_("No")}
RESPONDENTS = {"volunteer": N_("Volunteer"), "guardian": N_("Guardian")}
COMMENT_MAX = 500


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (clamped to the month's end)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def feedback_link(token: str) -> str:
    return public_link(f"/f/{token}")


def _issue(session: Session, pair_id: int, round_: str, moment: datetime) -> str | None:
    """Create the round's request with a new token; None when it already exists."""
    token = secrets.token_urlsafe(16)
    try:
        with session.begin_nested():
            session.add(FeedbackRequest(pair_id=pair_id, round=round_,
                                        token_hash=lookup_hash(token), created_at=moment,
                                        expires_at=moment + timedelta(days=LINK_DAYS)))
    except IntegrityError:
        return None
    return token


def _queue_sms(session, pair_id, round_, token, phone, user_id, child_id, child_name,
               not_before) -> None:
    outbox.queue(session, [outbox.message_row(
        f"pair:{pair_id}:feedback:{round_}", "feedback_request", "feedback", "volunteer",
        phone, user_id=user_id, pair_id=pair_id, child_id=child_id, not_before=not_before,
        params={"child_given_name": given_name(child_name), "link": feedback_link(token)})])


def _pair_rows(session: Session, *conditions):
    return session.execute(
        select(Pair.id, Volunteer.phone, Volunteer.user_id, Child.id, Child.name)
        .join(Volunteer, Volunteer.id == Pair.volunteer_id)
        .join(Child, Child.id == Pair.child_id)
        .where(*conditions)).tuples().all()


def queue_due_requests(session: Session, moment: datetime, settings) -> int:
    """Ask the volunteer of every active pair that reached 3 months, once per pair."""
    today = moment.astimezone(LOCAL_TZ).date()
    cutoff_day = months_before(today, FIRST_ROUND_MONTHS) + timedelta(days=1)
    started_before = datetime.combine(cutoff_day, time(0), LOCAL_TZ)
    asked = exists().where(FeedbackRequest.pair_id == Pair.id,
                           FeedbackRequest.round == "three_months")
    rows = _pair_rows(session, Pair.status == "active", Pair.started_at < started_before,
                      ~asked)
    not_before = outbox.after_quiet_hours(moment, settings.quiet_start, settings.quiet_end)
    queued = 0
    for pair_id, phone, user_id, child_id, child_name in rows:
        token = _issue(session, pair_id, "three_months", moment)
        if token is not None:
            _queue_sms(session, pair_id, "three_months", token, phone, user_id, child_id,
                       child_name, not_before)
            queued += 1
    if queued:
        log.info("%s three-month feedback requests queued", queued)
    return queued


def request_end_feedback(session: Session, pair_id: int, settings) -> None:
    """Ask the volunteer for feedback on a pair that has just ended."""
    moment = now()
    for pair_id_, phone, user_id, child_id, child_name in _pair_rows(session,
                                                                     Pair.id == pair_id):
        token = _issue(session, pair_id_, "end", moment)
        if token is not None:
            _queue_sms(session, pair_id_, "end", token, phone, user_id, child_id, child_name,
                       outbox.after_quiet_hours(moment, settings.quiet_start,
                                                   settings.quiet_end))


def request_by_token(session: Session, token: str) -> FeedbackRequest:
    """The request a link opens; NotFound for an unknown token, DomainError when it was
    used or has expired."""
    found = None
    if token and len(token) <= 64:
        found = session.execute(select(FeedbackRequest).where(
            FeedbackRequest.token_hash == lookup_hash(token))).scalar_one_or_none()
    if found is None:
        raise NotFound()
    if found.used_at is not None:
        raise DomainError("This feedback has already been given. Thank you!")
    if found.expires_at <= now():
        raise DomainError("This link has expired. You can still give your feedback after "
                          "logging in, under My profile.")
    return found


def _answers(c: Checker) -> dict:
    satisfaction = c.choice("satisfaction", SATISFACTION)
    return {
        "satisfaction": int(satisfaction) if satisfaction else None,
        "contact_frequency": c.choice("contact_frequency", CONTACT_FREQUENCIES),
        "child_trend": c.choice("child_trend", CHILD_TRENDS),
        "would_continue": c.choice("would_continue", YES_NO) == "yes",
        "comment": c.text("comment", required=False, max_len=COMMENT_MAX),
    }


def clean_answers(raw: dict) -> dict:
    """The structured answers, or Invalid naming every field to fix."""
    c = Checker(raw)
    answers = _answers(c)
    c.done()
    return answers


def _save(session: Session, pair_id: int, round_: str, respondent: str, answers: dict,
          recorded_by: User | None) -> PairFeedback:
    entry = PairFeedback(pair_id=pair_id, round=round_, respondent=respondent,
                         recorded_by_id=recorded_by.id if recorded_by else None,
                         created_at=now(), **answers)
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        raise DomainError("This feedback has already been given. Thank you!") from None
    return entry


def _use(session: Session, request: FeedbackRequest) -> None:
    """Mark a request answered by one conditional UPDATE, so it works once."""
    used = session.execute(
        update(FeedbackRequest)
        .where(FeedbackRequest.id == request.id, FeedbackRequest.used_at.is_(None))
        .values(used_at=now()).execution_options(synchronize_session=False)).rowcount
    if used != 1:
        raise DomainError("This feedback has already been given. Thank you!")


def submit_by_link(session: Session, token: str, raw: dict) -> PairFeedback:
    """The volunteer's answers from the SMS link (no log-in)."""
    request = request_by_token(session, token)
    answers = clean_answers(raw)
    _use(session, request)
    entry = _save(session, request.pair_id, request.round, "volunteer", answers, None)
    log.info("volunteer feedback %s on pair %s by link", entry.id, request.pair_id)
    return entry


def open_requests(session: Session, actor: User) -> list[dict]:
    """The volunteer's unanswered requests, newest first, with the child's given name."""
    rows = session.execute(
        select(FeedbackRequest, Child.name)
        .join(Pair, Pair.id == FeedbackRequest.pair_id)
        .join(Volunteer, Volunteer.id == Pair.volunteer_id)
        .join(Child, Child.id == Pair.child_id)
        .where(Volunteer.user_id == actor.id, FeedbackRequest.used_at.is_(None))
        .order_by(FeedbackRequest.created_at.desc())).all()
    return [{"request": request, "child_given_name": given_name(name)}
            for request, name in rows]


def own_request(session: Session, actor: User, request_id: int) -> FeedbackRequest:
    """A request about one of the volunteer's own pairs, else NotFound."""
    found = session.execute(
        select(FeedbackRequest)
        .join(Pair, Pair.id == FeedbackRequest.pair_id)
        .join(Volunteer, Volunteer.id == Pair.volunteer_id)
        .where(FeedbackRequest.id == request_id, Volunteer.user_id == actor.id)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound()
    return found


def submit_by_volunteer(session: Session, actor: User, request_id: int,
                        raw: dict) -> PairFeedback:
    """The volunteer's answers from their own pages (logged in; no expiry)."""
    request = own_request(session, actor, request_id)
    if request.used_at is not None:
        raise DomainError("This feedback has already been given. Thank you!")
    answers = clean_answers(raw)
    _use(session, request)
    entry = _save(session, request.pair_id, request.round, "volunteer", answers, actor)
    log.info("volunteer feedback %s on pair %s by user %s", entry.id, request.pair_id,
             actor.id)
    return entry


def pair_in_scope(session: Session, actor: User, pair_id: int) -> Pair:
    """A pair the coordinator or admin reaches, else NotFound (404)."""
    pair = session.execute(scoped_pairs(session, actor).where(Pair.id == pair_id)
                           ).scalar_one_or_none()
    if pair is None:
        raise NotFound()
    return pair


def record_guardian(session: Session, actor: User, pair: Pair, raw: dict) -> PairFeedback:
    """A coordinator records the guardian's answers after a call."""
    c = Checker(raw)
    round_ = c.choice("round", ROUNDS)
    if round_ == "end" and pair.status != "ended":
        c.fail("round", "This pair has not ended yet; record it as the 3-month feedback.")
    answers = _answers(c)
    c.done()
    entry = _save(session, pair.id, round_, "guardian", answers, actor)
    log.info("guardian feedback %s on pair %s recorded by user %s", entry.id, pair.id,
             actor.id)
    return entry


def for_pairs(session: Session, pair_ids) -> list[PairFeedback]:
    """The answers about these pairs, in the order they came."""
    if not pair_ids:
        return []
    return session.execute(select(PairFeedback).where(PairFeedback.pair_id.in_(list(pair_ids)))
                           .order_by(PairFeedback.pair_id, PairFeedback.created_at)
                           ).scalars().all()


def summary(session: Session, actor: User, respondent: str | None = None,
            round_: str | None = None) -> dict:
    """Counts per rating, the average and per-county figures of the actor's counties,
    each computed by one GROUP BY in the database."""
    filters = [PairFeedback.respondent == respondent] if respondent in RESPONDENTS else []
    if round_ in ROUNDS:
        filters.append(PairFeedback.round == round_)

    def scoped(*columns):
        return scoped_pairs(session, actor, select(*columns).select_from(PairFeedback)
                            .join(Pair, Pair.id == PairFeedback.pair_id)).where(*filters)

    ratings = dict(session.execute(
        scoped(PairFeedback.satisfaction, func.count(PairFeedback.id))
        .group_by(PairFeedback.satisfaction)).tuples().all())
    figures = (func.count(PairFeedback.id), func.avg(PairFeedback.satisfaction),
               func.sum(case((PairFeedback.would_continue, 1), else_=0)),
               func.sum(case((PairFeedback.child_trend == "better", 1), else_=0)),
               func.sum(case((PairFeedback.child_trend == "worse", 1), else_=0)))
    total = session.execute(scoped(*figures)).one()
    by_county = session.execute(
        scoped(Child.region_code, *figures).group_by(Child.region_code)
        .order_by(Child.region_code)).all()
    return {"ratings": {score: ratings.get(score, 0) for score in range(5, 0, -1)},
            "total": _figures(total), "by_county": [
                {"region_code": row[0], **_figures(row[1:])} for row in by_county]}


def _figures(row) -> dict:
    count, average, continuing, better, worse = row
    return {"count": count or 0,
            "average": round(float(average), 2) if average is not None else None,
            "would_continue": int(continuing or 0), "better": int(better or 0),
            "worse": int(worse or 0)}


def answered_rounds(session: Session, pair_id: int) -> set[tuple[str, str]]:
    """(round, respondent) already answered for a pair."""
    return set(session.execute(select(PairFeedback.round, PairFeedback.respondent).where(
        PairFeedback.pair_id == pair_id)).tuples().all())

