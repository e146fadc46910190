"""Ledger exports (台账) for coordinators: children, pairs, and the month's follow-up report.

Each ledger is a header and a stream of rows read from the database in batches (never
all records at once), written as CSV or XLSX. Every cell goes through
:func:`services.shared.spreadsheet.escape_cell`, so no text runs as a formula. ID numbers and
phone numbers appear masked only, as on the pages. Exporting a ledger that names
children writes one audit row per child.
"""

import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from core.clock import LOCAL_TZ, now, today_local
from core.errors import DomainError
from models import AuditEntry, Child, Concern, ContactLog, Pair, User, Volunteer
from services.access import audit, policy
from services.applications.stats import verification_figures
from services.regions import region_tree
from services.reports.dashboard import category_rows, consented, local_midnight
from services.settings import get_settings
from services.shared.bulk import insert_rows
from services.shared.idcard import mask_id_number
from services.shared.phones import mask_phone
from services.shared.spreadsheet import escape_cell
from services.shared.taxonomy import CATEGORIES, N_, NEEDS, PRIORITIES, SUB_TYPES

#: Rows fetched from the database per batch.
BATCH = 1000
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
LEDGERS = ("children", "pairs", "month")

GENDERS = {"M": N_("Boy"), "F": N_("Girl")}
PAIR_STATES = {"paired": N_("Paired"), "waiting": N_("Waiting for a pair"),
               "no_consent": N_("No guardian consent"), "left": N_("Left the programme")}
PAIR_STATUSES = {"active": N_("Active"), "ended": N_("Ended")}
YES_NO = {True: N_("Yes"), False: N_("No")}

Translate = Callable[[str], str]


def _same(text: str) -> str:
    return text


# --- formats ---------------------------------------------------------------------------

#: Characters XML (and so XLSX) cannot hold.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value):
    """A cell value ready for a spreadsheet: dates as ISO text, None empty, formulas escaped."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, date):
        value = value.isoformat()
    if isinstance(value, str):
        value = _ILLEGAL_XML.sub("", value)
    return escape_cell(value)


def write_csv(header: list[str], batches: Iterable[list[tuple]]) -> Iterator[bytes]:
    """CSV in UTF-8 with a byte-order mark (so spreadsheet programs read Chinese), one
    chunk per batch of rows."""
    buffer = io.StringIO()
    out = csv.writer(buffer)

    def flush() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    buffer.write("\ufeff")
    out.writerow([safe_cell(h) for h in header])
    yield flush()
    for batch in batches:
        out.writerows([safe_cell(v) for v in row] for row in batch)
        yield flush()


def write_xlsx(header: list[str], batches: Iterable[list[tuple]], title: str,
               chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """XLSX from openpyxl's write-only workbook: rows go to a temporary file as they come,
    then the file is sent in chunks."""
    # openpyxl is imported where used: loading it takes a tenth of a second, which
    # every command and worker would pay otherwise.
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append([safe_cell(h) for h in header])
    for batch in batches:
        for row in batch:
            sheet.append([safe_cell(v) for v in row])
    with tempfile.TemporaryFile() as handle:
        book.save(handle)
        handle.seek(0)
        while chunk := handle.read(chunk_size):
            yield chunk


def write(fmt: str, header: list[str], batches: Iterable[list[tuple]],
          title: str) -> Iterator[bytes]:
    if fmt == "csv":
        return write_csv(header, batches)
    if fmt == "xlsx":
        return write_xlsx(header, batches, title)
    raise DomainError("Unknown format %(value)s; use csv or xlsx.", value=fmt)


def _batches(session: Session, stmt, shape: Callable[[tuple], tuple]) -> Iterator[list[tuple]]:
    """Rows of ``stmt`` in batches of BATCH (a server-side cursor on PostgreSQL)."""
    result = session.execute(stmt.execution_options(yield_per=BATCH))
    for partition in result.partitions():
        yield [shape(row) for row in partition]


# --- the children ledger ---------------------------------------------------------------

CHILDREN_COLUMNS = [
    N_("External id"), N_("Name"), N_("Gender"), N_("Birth date"), N_("County code"),
    N_("County"), N_("Township / village"), N_("Category"), N_("Situation"),
    N_("Household registration"), N_("Priority"), N_("Needs"), N_("ID number (masked)"),
    N_("Guardian"), N_("Relation"), N_("Guardian phone (masked)"),
    N_("Consent"), N_("Pair status"), N_("Caring parent"), N_("Paired since"),
]


def children_ledger(session: Session, user: User,
                    tr: Translate = _same) -> tuple[list[str], Iterator[list[tuple]]]:
    """Every child the user reaches with their pair status, ordered by county and id."""
    has_consent = consented()
    stmt = policy.scoped(session, user, Child, select(
        Child.external_id, Child.name, Child.gender, Child.birth_date, Child.region_code,
        Child.township, Child.category, Child.sub_type, Child.hukou_region_code,
        Child.priority, Child.needs, Child.id_number_tail,
        Child.guardian_name, Child.guardian_relation, Child.guardian_phone,
        has_consent.label("consent"), Child.left_programme_on, Volunteer.name, Pair.started_at,
    ).outerjoin(Pair, and_(Pair.child_id == Child.id, Pair.status == "active"))
        .outerjoin(Volunteer, Volunteer.id == Pair.volunteer_id)
    ).order_by(Child.region_code, Child.id)
    regions = region_tree(session)

    def shape(row) -> tuple:
        (external_id, name, gender, birth, county, township, category, sub_type, hukou,
         priority, needs, id_tail, guardian, relation, phone, consent, left_on, volunteer,
         since) = row
        if volunteer is not None:
            state = "paired"
        elif left_on is not None:
            state = "left"
        elif not consent:
            state = "no_consent"
        else:
            state = "waiting"
        return (external_id, name, tr(GENDERS.get(gender, gender)), birth, county,
                regions.full_name(county), township, tr(CATEGORIES.get(category, category)),
                tr(SUB_TYPES[sub_type]) if sub_type in SUB_TYPES else "",
                regions.full_name(hukou) if hukou else "",
                tr(PRIORITIES.get(priority, priority)),
                "、".join(tr(NEEDS[n]) for n in needs.split(";") if n in NEEDS),
                mask_id_number(id_tail), guardian, relation,
                mask_phone(phone) if phone else "", tr(YES_NO[bool(consent)]),
                tr(PAIR_STATES[state]), volunteer, since)

    return [tr(c) for c in CHILDREN_COLUMNS], _batches(session, stmt, shape)


# --- the pairs ledger ------------------------------------------------------------------

PAIRS_COLUMNS = [
    N_("Pair"), N_("Status"), N_("Paired since"), N_("Ended"), N_("Child external id"),
    N_("Child"), N_("County"), N_("Caring parent"), N_("Caring parent phone (masked)"),
    N_("Contacts"), N_("Home visits"), N_("Last contact"), N_("Next contact due"),
    N_("Next home visit due"), N_("Overdue"),
]


def pairs_ledger(session: Session, user: User,
                 tr: Translate = _same) -> tuple[list[str], Iterator[list[tuple]]]:
    """Every pair the user reaches (active and ended) with its contact counts."""
    today = today_local()
    logs = select(ContactLog.pair_id, func.count(ContactLog.id).label("contacts"),
                  func.count(case((ContactLog.kind == "home_visit", 1))).label("visits"),
                  func.max(ContactLog.contact_date).label("last")
                  ).group_by(ContactLog.pair_id).subquery()
    stmt = policy.scoped_pairs(session, user, select(
        Pair.id, Pair.status, Pair.started_at, Pair.ended_at, Child.external_id, Child.name,
        Child.region_code, Volunteer.name, Volunteer.phone,
        func.coalesce(logs.c.contacts, 0), func.coalesce(logs.c.visits, 0), logs.c.last,
        Pair.next_contact_due, Pair.next_visit_due,
    ).select_from(Pair)).join(Volunteer, Volunteer.id == Pair.volunteer_id).outerjoin(
        logs, logs.c.pair_id == Pair.id).order_by(Child.region_code, Pair.id)
    regions = region_tree(session)

    def shape(row) -> tuple:
        (pair_id, status, started, ended, child_ext, child, county, volunteer, phone,
         contacts, visits, last, contact_due, visit_due) = row
        late = status == "active" and any(d is not None and d < today
                                          for d in (contact_due, visit_due))
        return (pair_id, tr(PAIR_STATUSES.get(status, status)), started, ended, child_ext,
                child, regions.full_name(county), volunteer,
                mask_phone(phone) if phone else "", contacts, visits, last,
                contact_due if status == "active" else None,
                visit_due if status == "active" else None, tr(YES_NO[late]))

    return [tr(c) for c in PAIRS_COLUMNS], _batches(session, stmt, shape)


# --- the month's follow-up report ------------------------------------------------------

MONTH_COLUMNS = [
    N_("County code"), N_("County"), N_("Pairs in the month"), N_("Contacts logged"),
    N_("Pairs with a contact"), N_("Home visits"), N_("Overdue pairs at month end"),
    N_("Concerns raised"), N_("Concerns closed"),
    N_("Left-behind children registered"), N_("Children in difficulty registered"),
    N_("Migrant children registered"), N_("Applications received"),
    N_("Applications verified within 7 days"), N_("Share verified within 7 days"),
]
#: The month report's columns of children registered by the month's end, per category.
MONTH_CATEGORIES = ("left_behind", "in_difficulty", "migrant")
#: Counted columns (the share, last, is computed from the two before it).
WIDTH = len(MONTH_COLUMNS) - 3
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str | None) -> date:
    """The first day of a month given as YYYY-MM; not before 2000, not in the future."""
    match = _MONTH.fullmatch((text or "").strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise DomainError("Give the month as YYYY-MM, for example 2026-11.")
    if int(match[1]) < 2000:  # checked before date(): year 0 is no date at all
        raise DomainError("Choose a month from 2000 up to this month.")
    first = date(int(match[1]), int(match[2]), 1)
    if first > today_local():
        raise DomainError("Choose a month from 2000 up to this month.")
    return first


def month_bounds(first: date) -> tuple[date, date]:
    """The first day of the month and the first day of the next."""
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following


def month_report(session: Session, user: User, first: date,
                 tr: Translate = _same) -> tuple[list[str], list[tuple]]:
    """Per county of the user: pairs active in the month, contacts logged in it, pairs with
    at least one contact, home visits, pairs overdue at the month's end (or today, for
    this month), concerns raised and closed in the month, children registered by the
    month's end per category, families' applications received in the month and how many
    of them were verified within 7 days (with the share of those whose 7 days are over,
    or verified); a total row last."""
    start, end = month_bounds(first)
    as_of = min(end - timedelta(days=1), today_local())
    counties = policy.county_scope(session, user)
    figures: dict[str, list[int]] = {}

    def add(rows, offset: int):
        for code, *values in rows:
            row = figures.setdefault(code, [0] * WIDTH)
            row[offset:offset + len(values)] = values

    add(_month_pairs(session, counties, start, end), 0)
    add(_month_contacts(session, counties, start, end), 1)
    add(_overdue_at(session, counties, as_of), 4)
    add(_month_concerns(session, counties, start, end), 5)
    for code, category, count in category_rows(session, user, local_midnight(end)):
        if category in MONTH_CATEGORIES:
            add([(code, count)], 7 + MONTH_CATEGORIES.index(category))
    due: dict[str, int] = {}
    for code, found in verification_figures(session, counties, now(), local_midnight(start),
                                            local_midnight(end)).items():
        add([(code, found.received, found.verified_in_time)], 10)
        due[code] = found.due
    if counties is not None:
        for code in counties:
            figures.setdefault(code, [0] * WIDTH)
    regions = region_tree(session)
    rows = [(code, regions.full_name(code), *values, _share(values[-1], due.get(code, 0)))
            for code, values in sorted(figures.items())]
    total = [sum(r[i] for r in rows) for i in range(2, 2 + WIDTH)]
    rows.append(("", tr(N_("Total")), *total, _share(total[-1], sum(due.values()))))
    return [tr(c) for c in MONTH_COLUMNS], rows


def _share(part: int, whole: int) -> str:
    """A share as a whole percentage ("" when nothing is due)."""
    return f"{round(100 * part / whole)}%" if whole else ""


def _in_scope(stmt, counties):
    return stmt if counties is None else stmt.where(Child.region_code.in_(sorted(counties)))


def _month_pairs(session, counties, start: date, end: date):
    stmt = select(Child.region_code, func.count(Pair.id)).select_from(Pair).join(
        Child, Child.id == Pair.child_id).where(
        Pair.started_at < local_midnight(end),
        or_(Pair.ended_at.is_(None), Pair.ended_at >= local_midnight(start)))
    return session.execute(_in_scope(stmt, counties).group_by(Child.region_code)).all()


def _month_contacts(session, counties, start: date, end: date):
    stmt = select(Child.region_code, func.count(ContactLog.id),
                  func.count(func.distinct(ContactLog.pair_id)),
                  func.count(case((ContactLog.kind == "home_visit", 1)))
                  ).select_from(ContactLog).join(Pair, Pair.id == ContactLog.pair_id).join(
        Child, Child.id == Pair.child_id).where(ContactLog.contact_date >= start,
                                                ContactLog.contact_date < end)
    return session.execute(_in_scope(stmt, counties).group_by(Child.region_code)).all()


def _overdue_at(session, counties, day: date):
    """Pairs active at the end of ``day`` whose contact or home visit was overdue then,
    rebuilt from the contact log with the programme's current rhythm."""
    settings = get_settings(session)
    last = select(ContactLog.pair_id, func.max(ContactLog.contact_date).label("any"),
                  func.max(case((ContactLog.kind == "home_visit", ContactLog.contact_date))
                           ).label("visit")).where(ContactLog.contact_date <= day).group_by(
        ContactLog.pair_id).subquery()

    def late(column, interval: int):
        limit = day - timedelta(days=interval)
        return or_(column < limit, and_(column.is_(None),
                                        Pair.started_at < local_midnight(limit)))

    overdue = or_(late(last.c.any, settings.contact_interval_days),
                  late(last.c.visit, settings.visit_interval_days))
    end_of_day = local_midnight(day + timedelta(days=1))
    stmt = select(Child.region_code, func.count(case((overdue, 1)))).select_from(Pair).join(
        Child, Child.id == Pair.child_id).outerjoin(last, last.c.pair_id == Pair.id).where(
        Pair.started_at < end_of_day,
        or_(Pair.ended_at.is_(None), Pair.ended_at >= end_of_day))
    return session.execute(_in_scope(stmt, counties).group_by(Child.region_code)).all()


def _month_concerns(session, counties, start: date, end: date):
    lo, hi = local_midnight(start), local_midnight(end)
    raised = and_(Concern.created_at >= lo, Concern.created_at < hi)
    closed = and_(Concern.status == "closed", Concern.action_at >= lo, Concern.action_at < hi)
    stmt = select(Child.region_code, func.count(case((raised, 1))),
                  func.count(case((closed, 1)))).select_from(Concern).join(
        Child, Child.id == Concern.child_id).where(or_(raised, closed))
    return session.execute(_in_scope(stmt, counties).group_by(Child.region_code)).all()


# --- audit -----------------------------------------------------------------------------

def record_export(session: Session, user: User, ledger: str, fmt: str,
                  month: date | None = None) -> None:
    """Audit an export: one row for the export, and for a ledger naming children one
    ``child.export`` row per child in it (written in bulk)."""
    detail = {"ledger": ledger, "format": fmt}
    if month is not None:
        detail["month"] = month.strftime("%Y-%m")
    audit.record(session, user, "ledger.export", "ledger", None, **detail)
    if ledger == "children":
        ids = policy.scoped(session, user, Child, select(Child.id))
    elif ledger == "pairs":
        ids = policy.scoped_pairs(session, user, select(Pair.child_id).distinct()
                                  .select_from(Pair))
    else:
        return
    at, ip = now(), audit.client_ip.get()
    rows = [{"at": at, "actor_id": user.id, "actor_role": user.role, "action": "child.export",
             "record_type": "child", "record_id": child_id, "ip": ip,
             "detail": {"ledger": ledger}}
            for child_id in session.execute(ids).scalars()]
    insert_rows(session, AuditEntry.__table__, rows)


def filename(ledger: str, fmt: str, month: date | None = None) -> str:
    stamp = month.strftime("%Y-%m") if month else today_local().isoformat()
    return f"{ledger}-ledger-{stamp}.{fmt}"

