"""The coordinator dashboard (figures and charts) and the ledger exports (台账).

The page shows the figures; its script (static/dashboard.js) draws the charts from the
JSON of ``data`` and ``scatter``. Every figure and export covers only the counties the
user reaches (services.access.policy).
"""

from functools import cache
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from blueprints.dashboard import bp
from blueprints.dashboard.forms import MonthReportForm
from blueprints.web import requires, translate, tree
from core.clock import now, today_local
from core.errors import DomainError
from extensions import db
from services.access import policy
from services.followups import cases
from services.reports import county_map, dashboard, ledgers, targets
from services.shared.taxonomy import PRIORITIES

AGE_LABELS = {"under_1_day": _l("Under a day"), "days_1_7": _l("1–7 days"),
              "days_8_30": _l("8–30 days"), "over_30_days": _l("Over 30 days")}


def _figures():
    counties = dashboard.county_figures(db.session, current_user, today_local())
    return counties, dashboard.totals(counties)


@bp.route("/")
@requires("dashboard.view")
def index():
    counties, totals = _figures()
    names = {code: tree().full_name(code) for code in counties}
    row_names = {code: tree().name_in_province(code) for code in counties}
    return render_template("dashboard/index.html", totals=totals, counties=counties,
                           names=names, row_names=row_names, today=today_local(),
                           first_county=dashboard.busiest_county(counties),
                           targets=targets.progress(db.session, current_user, counties, tree(),
                                                    today_local()),
                           case_figures=dashboard.case_figures(db.session, current_user, now()),
                           case_ages=AGE_LABELS, case_steps=cases.STEPS)


@bp.route("/data")
@requires("dashboard.view")
def data():
    """Chart data: per-county figures, the weekly trend, waiting children by priority."""
    counties, totals = _figures()
    regions = tree()
    return jsonify(
        today=today_local().isoformat(), totals=totals,
        counties=[{"code": c.code, "name": regions.get(c.code).name if regions.get(c.code)
                   else c.code, "registered": c.registered, "with_consent": c.with_consent,
                   "paired": c.paired, "waiting": sum(c.waiting.values()),
                   "coverage": c.coverage, "vetted_volunteers": c.volunteers_vetted,
                   "overdue_pairs": c.overdue_pairs}
                  for c in counties.values()],
        trend=dashboard.weekly_trend(db.session, current_user, today_local(), counties),
        first_county=dashboard.busiest_county(counties),
        map=_map(counties), labels=_chart_labels())


@cache
def _cities_with_maps(folder: str) -> frozenset[str]:
    return frozenset(path.stem for path in Path(folder, "maps").glob("*.json"))


def _map(counties) -> dict:
    """The map's area (boundary files to load) and each county's value and colour class."""
    regions = tree()
    covered = policy.county_scope(db.session, current_user)
    found = county_map.area(regions, covered, counties,
                            _cities_with_maps(current_app.static_folder))
    layers = county_map.layers(counties)
    message = _  # message ids marked in services.reports.county_map, not extracted here
    for layer in layers.values():
        layer["label"] = message(layer["label"])
        layer["unit"] = message(layer["unit"]) if layer["unit"] != "%" else "%"
        for band in layer["bands"]:
            band["text"] = (str(band["lo"]) if band["hi"] == band["lo"] else
                            f"≥ {band['lo']}" if band["hi"] is None else
                            f"{band['lo']}–{band['hi']}")
    return {"area": found and {**found, "name": regions.full_name(found["code"]),
                               "files": [url_for("static", filename=f"maps/{c}.json")
                                         for c in found["cities"]]},
            "layers": layers, "no_value": _("No active pairs"),
            "covered": None if covered is None else sorted(covered),
            "outside": _("Not in your regions"), "outside_colour": county_map.OUTSIDE_COLOUR}


@bp.route("/scatter")
@requires("dashboard.view")
def scatter():
    """Children and vetted volunteers of one county on a 0.01° grid: counts, no names."""
    county = request.args.get("county", "")
    if not (len(county) == 6 and county.isdigit() and tree().is_leaf(county)):
        return jsonify(error=_("Choose a county (a 6-digit county code).")), 400
    return jsonify(dashboard.scatter(db.session, current_user, county))


def _chart_labels() -> dict:
    return {
        "new_pairs": _("New pairs"), "contacts": _("Contacts logged"),
        "paired": _("Paired"), "waiting": _("Waiting for a pair"),
        "coverage": _("Coverage"), "children": _("Children"),
        "volunteers": _("Vetted volunteers"), "week": _("Week of"),
        "priorities": {code: _(label) for code, label in PRIORITIES.items()},
        "empty": _("No records to show."), "unit_children": _("Children (number)"),
        "unit_children_short": _("children"),
        "unit_pairs": _("Pairs (number)"), "unit_contacts": _("Contacts (number)"),
    }


@bp.route("/ledgers")
@requires("ledger.export")
def ledger_index():
    form = MonthReportForm(request.args, meta={"csrf": False})
    if not request.args.get("month"):
        form.month.data = today_local().strftime("%Y-%m")
    return render_template("dashboard/ledgers.html", form=form)


@bp.route("/ledgers/children")
@requires("ledger.export")
def children_ledger():
    """The children ledger of the user's counties with their pair status, streamed."""
    return _export("children", ledgers.children_ledger, _("Children"))


@bp.route("/ledgers/pairs")
@requires("ledger.export")
def pairs_ledger():
    """The pairs ledger of the user's counties with contact counts, streamed."""
    return _export("pairs", ledgers.pairs_ledger, _("Pairs"))


def _format() -> str:
    fmt = request.args.get("fmt", "xlsx")
    if fmt not in ledgers.FORMATS:
        abort(404)
    return fmt


def _export(ledger: str, build, title: str) -> Response:
    fmt = _format()
    ledgers.record_export(db.session, current_user, ledger, fmt)
    header, batches = build(db.session, current_user, _)
    return _download(ledgers.write(fmt, header, batches, title), fmt,
                     ledgers.filename(ledger, fmt))


@bp.route("/ledgers/month")
@requires("ledger.export")
def month_report():
    """The month's follow-up report per county; a bad month shows what to fix."""
    form = MonthReportForm(request.args, meta={"csrf": False})
    fmt = _format()
    try:
        first = ledgers.parse_month(request.args.get("month"))
    except DomainError as error:
        form.month.errors = [translate(error.message, error.params)]
        return render_template("dashboard/ledgers.html", form=form), 400
    header, rows = ledgers.month_report(db.session, current_user, first, _)
    counties = dashboard.county_figures(db.session, current_user, today_local())
    rows += targets.report_rows(targets.progress(db.session, current_user, counties, tree(),
                                                 today_local()), _)
    ledgers.record_export(db.session, current_user, "month", fmt, month=first)
    body = ledgers.write(fmt, header, [rows], _("Follow-up report"))
    return _download(body, fmt, ledgers.filename("follow-up", fmt, first))


def _download(body, fmt: str, name: str) -> Response:
    response = Response(stream_with_context(body), mimetype=ledgers.FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
