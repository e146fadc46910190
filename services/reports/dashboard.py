"""The coordinator dashboard: figures for the counties a user covers, from aggregate SQL.

Every figure comes from queries grouped by county over one kind of record (children,
volunteers, pairs, concerns), so the totals are sums of the county rows and the
coverage chart comes from the same rows. Nothing here loads a record into Python; no
name ever leaves this module, and map points are counts on a 0.01° grid.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Float, Numeric, and_, case, cast, exists, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from core.clock import LOCAL_TZ, now
from models import Child, Concern, ConsentRecord, ContactLog, Pair, Region, User, Volunteer
from services.access import policy
from services.applications.stats import VerificationFigures, verification_figures
from services.shared.taxonomy import CATEGORIES, PRIORITIES

#: A pair complies when it had a contact within this many days.
COMPLIANCE_DAYS = 30
#: Weeks shown in the trend of new pairs and contacts.
TREND_WEEKS = 12
#: Map points are rounded to this many decimals (about 1 km): no home can be located.
COORDINATE_DECIMALS = 2


@dataclass
class CountyFigures:
    """One county's row; the dashboard's totals are the sums of these rows."""

    code: str
    registered: int = 0
    with_consent: int = 0
    paired: int = 0
    waiting: dict = field(default_factory=lambda: dict.fromkeys(PRIORITIES, 0))
    #: Children registered per category (left-behind, in difficulty, migrant).
    by_category: dict = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    volunteers_pending: int = 0
    volunteers_vetted: int = 0
    volunteers_at_capacity: int = 0
    active_pairs: int = 0
    compliant_pairs: int = 0
    overdue_pairs: int = 0
    open_concerns: int = 0
    #: Pairs begun in each week of the trend (``week_starts``), oldest first.
    new_pairs: list = field(default_factory=lambda: [0] * TREND_WEEKS)
    #: Families' own applications (自主申报) and how many were verified within 7 days.
    applications: VerificationFigures = field(default_factory=VerificationFigures)

    @property
    def coverage(self) -> float | None:
        """Share of the children with consent who are paired."""
        return round(self.paired / self.with_consent, 3) if self.with_consent else None


def consented():
    """SQL: the child has a current (not withdrawn) consent record."""
    return exists().where(ConsentRecord.child_id == Child.id,
                          ConsentRecord.withdrawn_at.is_(None))


def county_figures(session: Session, user: User, today: date,
                   moment: datetime | None = None) -> dict[str, CountyFigures]:
    """Per-county figures of the user's counties that have any record, by county code.

    ``today`` also sets the weeks of ``new_pairs`` (those of ``weekly_trend``)."""
    rows: dict[str, CountyFigures] = {}

    def row(code: str) -> CountyFigures:
        return rows.setdefault(code, CountyFigures(code))

    # Waiting = children with consent minus those of them paired, per priority.
    for code, priority, has_consent, category, children in _child_rows(session, user):
        figures = row(code)
        figures.registered += children
        figures.by_category[category] += children
        if has_consent:
            figures.with_consent += children
            figures.waiting[priority] += children
    for code, priority, has_consent, active, compliant, overdue, *weeks in _pair_rows(
            session, user, today):
        figures = row(code)
        figures.paired += active
        figures.active_pairs += active
        figures.compliant_pairs += compliant
        figures.overdue_pairs += overdue
        figures.new_pairs = [a + b for a, b in zip(figures.new_pairs, weeks, strict=True)]
        if has_consent:
            figures.waiting[priority] -= active
    for code, pending, vetted, full in _volunteer_rows(session, user):
        figures = row(code)
        figures.volunteers_pending, figures.volunteers_vetted = pending, vetted
        figures.volunteers_at_capacity = full
    for code, count in _concern_rows(session, user):
        row(code).open_concerns = count
    moment = moment or now()
    counties = policy.county_scope(session, user)
    for code, figures in verification_figures(session, counties, moment).items():
        row(code).applications = figures
    return dict(sorted(rows.items()))


def _child_rows(session: Session, user: User):
    """(county, priority, has consent, category, children) rows: one grouped index-only
    scan of the children (``ix_children_region_code``)."""
    stmt = select(Child.region_code, Child.priority, Child.consenting, Child.category,
                  func.count(Child.id))
    stmt = policy.scoped(session, user, Child, stmt).group_by(
        Child.region_code, Child.priority, Child.consenting, Child.category)
    return session.execute(stmt).tuples().all()


def category_rows(session: Session, user: User, before: datetime | None = None):
    """(county, category, children) rows; ``before``: only children registered earlier."""
    stmt = select(Child.region_code, Child.category, func.count(Child.id))
    if before is not None:
        stmt = stmt.where(Child.created_at < before)
    stmt = policy.scoped(session, user, Child, stmt).group_by(Child.region_code,
                                                              Child.category)
    return session.execute(stmt).tuples().all()


def _volunteer_rows(session: Session, user: User):
    full = and_(Volunteer.status == "vetted", Volunteer.active_pairs >= Volunteer.capacity)
    stmt = select(Volunteer.region_code,
                  func.count(case((Volunteer.status == "pending", 1))),
                  func.count(case((Volunteer.status == "vetted", 1))),
                  func.count(case((full, 1)))).group_by(Volunteer.region_code)
    return session.execute(policy.scoped(session, user, Volunteer, stmt)).tuples().all()


def _pair_rows(session: Session, user: User, today: date):
    """(county, priority, has consent, active, compliant, overdue, new pairs of each trend
    week...) rows of the pairs active now or begun within the trend's weeks, by their
    child's county, priority and consent: one join of pairs to children.

    A child has at most one active pair (a unique index), so active pairs per priority
    are also the children paired."""
    starts = week_starts(today)
    bounds = zip(starts, starts[1:] + [starts[-1] + timedelta(weeks=1)], strict=True)
    active = Pair.status == "active"
    recent = and_(active, Pair.last_contact_on >= today - timedelta(days=COMPLIANCE_DAYS))
    late = and_(active, or_(Pair.next_contact_due < today, Pair.next_visit_due < today))
    weeks = [func.count(case((and_(Pair.started_at >= local_midnight(lo),
                                   Pair.started_at < local_midnight(hi)), 1)))
             for lo, hi in bounds]
    stmt = policy.scoped_pairs(session, user, select(
        Child.region_code, Child.priority, Child.consenting, func.count(case((active, 1))),
        func.count(case((recent, 1))), func.count(case((late, 1))), *weeks).select_from(Pair))
    stmt = stmt.where(or_(active, Pair.started_at >= local_midnight(starts[0])))
    return session.execute(stmt.group_by(Child.region_code, Child.priority,
                                         Child.consenting)).tuples().all()


def _concern_rows(session: Session, user: User):
    stmt = select(Child.region_code, func.count(Concern.id)).select_from(Concern).join(
        Child, Child.id == Concern.child_id).where(Concern.status == "open")
    counties = policy.county_scope(session, user)
    if counties is not None:
        stmt = stmt.where(Child.region_code.in_(sorted(counties)))
    return session.execute(stmt.group_by(Child.region_code)).tuples().all()


def totals(counties: dict[str, CountyFigures]) -> dict:
    """The dashboard's headline figures: sums over the county rows."""
    def total(name):
        return sum(getattr(c, name) for c in counties.values())

    active, compliant = total("active_pairs"), total("compliant_pairs")
    return {
        "children": {"registered": total("registered"), "with_consent": total("with_consent"),
                     "paired": total("paired"),
                     "waiting": {p: sum(c.waiting[p] for c in counties.values())
                                 for p in PRIORITIES},
                     "by_category": {k: sum(c.by_category[k] for c in counties.values())
                                     for k in CATEGORIES}},
        "volunteers": {"pending": total("volunteers_pending"),
                       "vetted": total("volunteers_vetted"),
                       "at_capacity": total("volunteers_at_capacity")},
        "pairs": {"active": active, "compliant": compliant, "overdue": total("overdue_pairs"),
                  "compliance_share": round(compliant / active, 3) if active else None},
        "open_concerns": total("open_concerns"),
        "applications": _applications_total(counties),
    }


def _applications_total(counties: dict[str, CountyFigures]) -> dict:
    total = VerificationFigures()
    for county in counties.values():
        total.add(county.applications)
    return {"received": total.received, "waiting": total.waiting, "due": total.due,
            "verified_within_7_days": total.verified_in_time,
            "verified_within_7_days_share": total.share}


def local_midnight(day: date) -> datetime:
    """The start of a local (Asia/Shanghai) day as an aware datetime."""
    return datetime.combine(day, time(), tzinfo=LOCAL_TZ)


def week_starts(today: date, weeks: int = TREND_WEEKS) -> list[date]:
    """The Mondays of the last ``weeks`` weeks, oldest first, this week last."""
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def weekly_trend(session: Session, user: User, today: date,
                 counties: dict[str, CountyFigures]) -> list[dict]:
    """New pairs (by approval time, local weeks: from the county figures of the same
    ``today``) and contacts logged (by contact date, in the county where they happened)."""
    starts = week_starts(today)
    # Contacts are counted per day (a date column: at most 7 × weeks rows), then per week.
    contacts = policy.scoped_contacts(session, user, select(
        ContactLog.contact_date, func.count(ContactLog.id))).where(
        ContactLog.contact_date >= starts[0], ContactLog.contact_date <= today
    ).group_by(ContactLog.contact_date)
    logged = [0] * len(starts)
    for day, count in session.execute(contacts).tuples():
        logged[(day - starts[0]).days // 7] += count
    new_pairs = [sum(c.new_pairs[i] for c in counties.values()) for i in range(len(starts))]
    return [{"week": start.isoformat(), "new_pairs": new_pairs[i], "contacts": logged[i]}
            for i, start in enumerate(starts)]


def _rounded(column):
    return type_coerce(func.round(cast(column, Numeric(12, 6)), COORDINATE_DECIMALS), Float)


def scatter(session: Session, user: User, county: str) -> dict:
    """Children and volunteers of one county as counts on a 0.01° grid (no names).

    A record without a precise location counts at the county's centre. A county outside
    the user's reach gives empty lists, like a county with nobody in it.
    """
    result = {"county": county, "children": [], "volunteers": []}
    if not policy.covers_region(session, user, county):
        return result
    for key, model in (("children", Child), ("volunteers", Volunteer)):
        lat = _rounded(func.coalesce(model.latitude, Region.latitude))
        lng = _rounded(func.coalesce(model.longitude, Region.longitude))
        stmt = (select(lng, lat, func.count(model.id)).select_from(model)
                .join(Region, Region.code == model.region_code)
                .where(model.region_code == county))
        if model is Volunteer:
            stmt = stmt.where(Volunteer.status == "vetted")
        points = session.execute(stmt.group_by(lng, lat).order_by(lng, lat)).tuples().all()
        result[key] = [[round(x, COORDINATE_DECIMALS), round(y, COORDINATE_DECIMALS), n]
                       for x, y, n in points]
    return result


def busiest_county(counties: dict[str, CountyFigures]) -> str | None:
    """The county with the most children registered (the map's first county)."""
    if not counties:
        return None
    return max(counties.values(), key=lambda c: (c.registered, c.code)).code


#: Age bands of open cases, in days since the report: (code, first day, last day or None).
CASE_AGES = (("under_1_day", 0, 0), ("days_1_7", 1, 7), ("days_8_30", 8, 30),
             ("over_30_days", 31, None))


def case_figures(session: Session, user: User, moment: datetime) -> dict:
    """Open cases of the user's counties by step and by age, and how many are overdue:
    not acknowledged by their due time, or past their next review date.

    One grouped query over the open cases (the status index), joined to the child for
    the county scope.
    """
    today = moment.astimezone(LOCAL_TZ).date()
    age = case(*[(Concern.created_at > moment - timedelta(days=last + 1), code)
                 for code, _, last in CASE_AGES if last is not None], else_="over_30_days")
    late_ack = and_(Concern.acknowledged_at.is_(None), Concern.ack_due_at < moment)
    stmt = select(Concern.step, age, func.count(Concern.id), func.count(case((late_ack, 1))),
                  func.count(case((Concern.next_review_on < today, 1)))
                  ).select_from(Concern).join(Child, Child.id == Concern.child_id).where(
        Concern.status == "open")
    counties = policy.county_scope(session, user)
    if counties is not None:
        stmt = stmt.where(Child.region_code.in_(sorted(counties)))
    by_step = dict.fromkeys(("reported", "acknowledged", "assessed", "referred"), 0)
    by_age = dict.fromkeys((code for code, *_ in CASE_AGES), 0)
    overdue_ack = overdue_review = 0
    for step, band, count, late, review in session.execute(
            stmt.group_by(Concern.step, age)).tuples():
        by_step[step] += count
        by_age[band] += count
        overdue_ack += late
        overdue_review += review
    return {"open": sum(by_step.values()), "by_step": by_step, "by_age": by_age,
            "overdue_acknowledgements": overdue_ack, "overdue_reviews": overdue_review}
