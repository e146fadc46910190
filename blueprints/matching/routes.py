from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from kombu.exceptions import OperationalError as BrokerUnavailable
from sqlalchemy import case, select

from blueprints import edge
from blueprints.background import enqueue
from blueprints.forms import ActionForm
from blueprints.matching import bp
from blueprints.matching.forms import EndPairForm, RejectForm, StartRunForm
from blueprints.transaction import after_commit, saving
from blueprints.web import requires, safe_next, translate
from core.errors import NotFound
from extensions import db
from models import Child, MatchRun, Pair, Proposal, UnpairedChild
from services.access import policy
from services.matching import runs
from services.matching.engine import UNPAIRED_REASONS
from services.pairs import lifecycle
from services.pairs.repairing import END_CAUSES
from services.shared import taxonomy

SORTS = {"quality": Proposal.quality.desc(), "distance": Proposal.distance_km.asc(),
         "priority": Proposal.priority.desc()}


def _run_or_404(run_id: int) -> MatchRun:
    run = db.session.get(MatchRun, run_id)
    if run is None or not policy.run_visible(db.session, current_user, run):
        abort(404)
    return run


@bp.route("/")
@requires("match.run")
def index():
    runs = db.session.execute(
        select(MatchRun).order_by(MatchRun.id.desc()).limit(200)).scalars().all()
    runs = [r for r in runs if policy.run_visible(db.session, current_user, r)][:30]
    return render_template("matching/index.html", runs=runs, form=StartRunForm())


@bp.route("/rules")
@requires("match.run")
def rules():
    return render_template("matching/rules.html", reasons=UNPAIRED_REASONS)


@bp.route("/runs", methods=["POST"])
@requires("match.run")
def start():
    form = StartRunForm()
    if not form.validate_on_submit():
        flash(_("Pick the region to match."), "danger")
        return redirect(url_for("matching.index"))
    with saving() as saved:
        run = runs.start_run(db.session, current_user, form.region_code.data)
    if not saved:
        return redirect(url_for("matching.index"))
    after_commit(_queue_run, run.id)  # the worker must find the run
    return redirect(url_for("matching.run", run_id=run.id))


def _queue_run(run_id: int) -> None:
    try:
        enqueue("matching.run", run_id)
    except BrokerUnavailable:  # the run waits in the database, and the page says so
        flash(_("The background service is not reachable; the run will start when it is "
                "back."), "warning")


@bp.route("/runs/<int:run_id>")
@requires("match.review")
def run(run_id: int):
    match_run = _run_or_404(run_id)
    status = request.args.get("status", "open")
    priority = request.args.get("priority", "")
    sort = request.args.get("sort", "priority")
    stmt = policy.scoped_proposals(db.session, current_user).where(Proposal.run_id == run_id)
    if status in ("open", "approved", "rejected", "withdrawn"):
        stmt = stmt.where(Proposal.status == status)
    if priority in taxonomy.PRIORITIES:
        stmt = stmt.where(Proposal.priority == priority)
    order = [SORTS.get(sort, SORTS["priority"]), Proposal.quality.desc(), Proposal.id]
    if sort == "priority":  # urgent, high, normal
        order[0] = _priority_order()
    page = edge.paginate(stmt.order_by(*order))
    unpaired = db.session.execute(
        policy.scoped(db.session, current_user, Child,
                      select(UnpairedChild.reason, Child)
                      .join(Child, Child.id == UnpairedChild.child_id))
        .where(UnpairedChild.run_id == run_id).order_by(UnpairedChild.reason, Child.id)
        .limit(200)).all()
    return render_template("matching/run.html", run=match_run, page=page, status=status,
                           priority=priority, sort=sort, unpaired=unpaired,
                           reasons=UNPAIRED_REASONS, action_form=ActionForm(),
                           reject_form=RejectForm())


def _priority_order():

    return case({"urgent": 0, "high": 1, "normal": 2}, value=Proposal.priority)


@bp.route("/runs/<int:run_id>/status")
@requires("match.review")
def run_status(run_id: int):
    match_run = _run_or_404(run_id)
    return jsonify(id=match_run.id, status=match_run.status, phase=match_run.phase,
                   progress=match_run.progress, stats=match_run.stats,
                   error=translate(match_run.error, {}) if match_run.error else "")


@bp.route("/proposals/<int:proposal_id>/<any(approve, reject):verb>", methods=["POST"])
@requires("match.review")
def decide(proposal_id: int, verb: str):
    form = RejectForm() if verb == "reject" else ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with saving() as saved:
            if verb == "approve":
                lifecycle.approve_proposal(db.session, current_user, proposal_id)
            else:
                lifecycle.reject_proposal(db.session, current_user, proposal_id,
                                          form.reason.data)
    except NotFound:
        abort(404)
    if saved:
        flash(_("Pair approved.") if verb == "approve" else _("Proposal rejected."), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("matching.index"))


@bp.route("/runs/<int:run_id>/approve", methods=["POST"])
@requires("match.review")
def approve_selected(run_id: int):
    _run_or_404(run_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    ids = [int(i) for i in request.form.getlist("proposal_ids") if i.isdigit()]
    owned = set(db.session.execute(select(Proposal.id).where(
        Proposal.run_id == run_id, Proposal.id.in_(ids))).scalars())
    approved, failed = lifecycle.approve_many(db.session, current_user,
                                          [i for i in ids if i in owned])
    flash(_("%(n)s pairs approved.", n=approved), "success")
    for proposal_id, error in failed:
        flash(_("Proposal %(id)s: ", id=proposal_id) + translate(error.message, error.params),
              "warning")
    return redirect(url_for("matching.run", run_id=run_id))


@bp.route("/pairs/")
@requires("pair.view")
def pair_list():
    status = request.args.get("status", "active")
    stmt = policy.scoped_pairs(db.session, current_user).order_by(Pair.id.desc())
    if status in ("active", "ended"):
        stmt = stmt.where(Pair.status == status)
    page = edge.paginate(stmt)
    return render_template("matching/pairs.html", page=page, status=status,
                           end_form=EndPairForm(), end_causes=END_CAUSES)


@bp.route("/pairs/<int:pair_id>/end", methods=["POST"])
@requires("pair.end")
def end_pair(pair_id: int):
    pair = db.session.execute(policy.scoped_pairs(db.session, current_user)
                              .where(Pair.id == pair_id)).scalar_one_or_none()
    if pair is None:
        abort(404)
    form = EndPairForm()
    if not form.validate_on_submit():
        flash(_("Give a reason."), "danger")
        return redirect(url_for("matching.pair_list"))
    with saving() as saved:
        lifecycle.end_pair(db.session, current_user, pair, form.reason.data, form.cause.data)
    if saved:
        flash(_("The pair has ended; the child and the volunteer can be matched again."),
              "success")
    return redirect(url_for("matching.pair_list"))

