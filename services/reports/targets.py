"""Programme targets and the progress toward them.

A target is a figure a region should reach by a date: caring parents (vetted
volunteers) to recruit, every urgent child with consent paired within N days of being
registered, follow-up compliance of at least N %. Progress is computed from the same
per-county figures as the dashboard, over the counties of the target's region the user
reaches, with one row per city and county below it (a city's own target, its share, is
shown beside its figure). The trend is the figure at the end of each of the last weeks,
for caring parents by the day their first check was recorded.
"""

from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.errors import DomainError
from models import BackgroundCheck, Child, Pair, ProgrammeTarget, User, Volunteer
from services.access import audit, policy
from services.regions import RegionTree
from services.reports.dashboard import CountyFigures, local_midnight, week_starts
from services.shared.taxonomy import N_

METRICS: dict[str, str] = {
    "caring_parents": N_("Caring parents (vetted volunteers)"),
    "urgent_paired_days": N_("Urgent children paired within this many days"),
    "compliance_percent": N_("Follow-up compliance (per cent)"),
}
TREND_WEEKS = 8


def set_target(session: Session, actor: User, region_code: str, metric: str, value: int,
               due_on: date, tree: RegionTree) -> ProgrammeTarget:
    """Add a target, or change the value of the region's target for that metric and date."""
    if tree.get(region_code) is None:
        raise DomainError("Choose a region for the target.")
    if metric not in METRICS:
        raise DomainError("Choose what the target measures from the list.")
    if value is None or value < 0 or (metric == "compliance_percent" and value > 100):
        raise DomainError("Give a target of 0 or more (at most 100 for a percentage).")
    target = session.execute(select(ProgrammeTarget).where(
        ProgrammeTarget.region_code == region_code, ProgrammeTarget.metric == metric,
        ProgrammeTarget.due_on == due_on)).scalar_one_or_none()
    if target is None:
        target = ProgrammeTarget(region_code=region_code, metric=metric, due_on=due_on,
                                 value=value, created_by_id=actor.id)
        session.add(target)
    target.value = value
    session.flush()
    audit.record(session, actor, "target.set", "target", target.id, metric=metric,
                 value=value)
    return target


def _urgent_late(session: Session, user: User, counties: set[str], days: int,
                 today: date) -> dict[str, int]:
    """Urgent children with consent, unpaired, registered more than ``days`` days ago."""
    stmt = policy.scoped(session, user, Child, select(Child.region_code, func.count(Child.id))
                         .outerjoin(Pair, (Pair.child_id == Child.id) & (Pair.status ==
                                                                        "active")))
    # The bare flag (not "IS TRUE") matches the partial index ix_children_urgent_waiting.
    stmt = stmt.where(Child.priority == "urgent", Child.consenting,
                      Pair.id.is_(None), Child.region_code.in_(sorted(counties)),
                      Child.created_at < local_midnight(today - timedelta(days=days)))
    return dict(session.execute(stmt.group_by(Child.region_code)).tuples().all())


def _actual(metric: str, codes, figures: dict[str, CountyFigures], late: dict[str, int]):
    rows = [figures[c] for c in codes if c in figures]
    if metric == "caring_parents":
        return sum(r.volunteers_vetted for r in rows)
    if metric == "urgent_paired_days":
        return sum(late.get(c, 0) for c in codes)
    active = sum(r.active_pairs for r in rows)
    return round(100 * sum(r.compliant_pairs for r in rows) / active) if active else None


def met(metric: str, actual, value: int) -> bool:
    """Whether a figure meets its target (for urgent children: none is waiting too long)."""
    if actual is None:
        return False
    return actual == 0 if metric == "urgent_paired_days" else actual >= value


def _share(metric: str, actual, value: int):
    if actual is None:
        return None
    if metric == "urgent_paired_days":
        return 1.0 if actual == 0 else 0.0
    return min(1.0, actual / value) if value else 1.0


def _caring_parents_by_week(session: Session, user: User, today: date) -> dict[str, list]:
    """Per county the user reaches: vetted caring parents whose first check was recorded
    before the end of each of the trend's weeks (one grouped query, a row per county)."""
    first = policy.scoped(session, user, Volunteer, select(
        Volunteer.region_code.label("county"),
        func.min(BackgroundCheck.checked_at).label("at"))
        .join(BackgroundCheck, BackgroundCheck.volunteer_id == Volunteer.id)
    ).where(Volunteer.status == "vetted").group_by(Volunteer.id, Volunteer.region_code
                                                   ).subquery()
    ends = [local_midnight(start + timedelta(weeks=1))
            for start in week_starts(today, TREND_WEEKS)]
    stmt = select(first.c.county, *(func.count(case((first.c.at < end, 1))) for end in ends)
                  ).group_by(first.c.county)
    return {county: counts for county, *counts in session.execute(stmt).tuples()}


def _trend(by_week: dict[str, list], counties: set[str], today: date) -> list[dict]:
    """Vetted caring parents of ``counties`` at the end of each of the last weeks (by
    first check)."""
    rows = [by_week[c] for c in counties if c in by_week]
    return [{"week": start.isoformat(), "value": sum(row[i] for row in rows)}
            for i, start in enumerate(week_starts(today, TREND_WEEKS))]


def progress(session: Session, user: User, figures: dict[str, CountyFigures],
             tree: RegionTree, today: date) -> list[dict]:
    """Each target the user's counties fall under, with the actual figure, whether it is
    met, and the same for every city and county below the target's region."""
    reach = policy.county_scope(session, user)
    targets = session.execute(select(ProgrammeTarget).order_by(
        ProgrammeTarget.due_on, ProgrammeTarget.region_code, ProgrammeTarget.metric)
    ).scalars().all()
    own = {(t.region_code, t.metric, t.due_on): t.value for t in targets}
    by_week = _caring_parents_by_week(session, user, today) \
        if any(t.metric == "caring_parents" for t in targets) else {}
    result = []
    for target in targets:
        counties = tree.leaves_under([target.region_code])
        if reach is not None:
            counties &= reach
        if not counties:
            continue
        late = _urgent_late(session, user, counties, target.value, today) \
            if target.metric == "urgent_paired_days" else {}
        actual = _actual(target.metric, counties, figures, late)
        parts = []
        below = {tree.get(c).parent_code for c in counties} | counties
        for part in sorted(p for p in below if p != target.region_code
                           and target.region_code in {r.code for r in tree.path(p)}):
            codes = tree.leaves_under([part]) & counties
            share = own.get((part, target.metric, target.due_on))
            value = share if share is not None else target.value \
                if target.metric != "caring_parents" else None
            part_actual = _actual(target.metric, codes, figures, late)
            parts.append({"code": part, "name": tree.full_name(part),
                          "level": tree.get(part).level, "actual": part_actual,
                          "target": value,
                          "met": value is not None and met(target.metric, part_actual, value)})
        result.append({
            "id": target.id, "region_code": target.region_code,
            "region": tree.full_name(target.region_code), "metric": target.metric,
            "label": METRICS[target.metric], "target": target.value, "due_on": target.due_on,
            "days_left": (target.due_on - today).days, "actual": actual,
            "share": _share(target.metric, actual, target.value),
            "met": met(target.metric, actual, target.value), "parts": parts,
            "trend": _trend(by_week, counties, today)
            if target.metric == "caring_parents" else [],
        })
    return result


def report_rows(progress_rows: list[dict], tr) -> list[tuple]:
    """The targets as rows under the monthly report: a heading row, then per target and
    per city or county below it: code, region, measure, due date, target, now, reached."""
    if not progress_rows:
        return []
    yes, no = tr(N_("Reached")), tr(N_("Not reached yet"))
    rows = [(), ("", tr(N_("Programme targets")), tr(N_("What the target measures")),
                 tr(N_("To reach by")), tr(N_("Target")), tr(N_("Now")), tr(N_("Reached")))]
    for t in progress_rows:
        rows.append((t["region_code"], t["region"], tr(t["label"]), t["due_on"], t["target"],
                     t["actual"], yes if t["met"] else no))
        rows += [(p["code"], p["name"], tr(t["label"]), t["due_on"], p["target"], p["actual"],
                  "" if p["target"] is None else yes if p["met"] else no)
                 for p in t["parts"]]
    return rows
