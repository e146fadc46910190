"""Matching runs and their proposals: start a run, follow it, approve or reject proposals.

Rules: coordinators and admins only. A run is started for a region the caller covers
whole (else 409) and runs in the background (202, Location: the run); a run is visible
to whoever covers some of its region, and of its proposals only those whose child is
in the caller's counties. Approving an open proposal makes a pair (201); a proposal no
longer open, a withdrawn consent or a full volunteer is 409.
"""

from flask import g, url_for
from flask_smorest import Blueprint
from kombu.exceptions import OperationalError as BrokerUnavailable
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from blueprints.api.core import PageArgs, abort, page_schema, paginate, secured
from blueprints.api.pairs import PairOut, coordinator_view, existing_id
from blueprints.background import enqueue
from blueprints.transaction import after_commit
from blueprints.web import translate, tree
from extensions import db
from models import Child, MatchRun, Proposal, UnpairedChild
from services.access import policy
from services.matching import runs
from services.pairs import lifecycle
from services.shared import taxonomy

blp = Blueprint("api_matching", __name__, url_prefix="/api/v1",
                description="Matching runs and the pairs they propose (coordinators)")

PROPOSAL_STATUSES = ("open", "approved", "rejected", "withdrawn")


class RunIn(Schema):
    region_code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"),
                                metadata={"description": "County, city or province code"})


class RunSummaryOut(Schema):
    """The run's proposals and unpaired children within the caller's counties."""

    open = fields.Integer()
    approved = fields.Integer()
    rejected = fields.Integer()
    withdrawn = fields.Integer()
    unpaired = fields.Integer()


class RunOut(Schema):
    id = fields.Integer()
    region_code = fields.String()
    status = fields.String(metadata={"description": "queued, running, done or failed"})
    phase = fields.String()
    progress = fields.Float(metadata={"description": "0.0 to 1.0"})
    run_date = fields.Date()
    stats = fields.Dict(metadata={"description": "Counts and seconds per phase (whole run)"})
    summary = fields.Nested(RunSummaryOut)
    error = fields.String()
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    url = fields.String()


class RunStartedOut(Schema):
    run = fields.Nested(RunOut)
    url = fields.String(metadata={"description": "Where to follow the run"})


class ProposalOut(Schema):
    id = fields.Integer()
    run_id = fields.Integer()
    child_id = fields.Integer()
    child_name = fields.Function(lambda p: p.child.name, metadata={"type": "string"})
    volunteer_id = fields.Integer()
    volunteer_name = fields.Function(lambda p: p.volunteer.name,
                                     metadata={"type": "string"})
    distance_km = fields.Float()
    quality = fields.Float()
    need_score = fields.Float()
    distance_score = fields.Float()
    matched_needs = fields.Function(lambda p: sorted(filter(None, p.matched_needs.split(";"))),
                                    metadata={"type": "array", "items": {"type": "string"}})
    priority = fields.String()
    status = fields.String()
    decided_by_id = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    reject_reason = fields.String()


class ProposalQuery(PageArgs):
    status = fields.String(validate=validate.OneOf(PROPOSAL_STATUSES))
    priority = fields.String(validate=validate.OneOf(list(taxonomy.PRIORITIES)))


class ProposalRejectIn(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=500))


ProposalPage = page_schema(ProposalOut, "ProposalPage")


def _summary(run: MatchRun) -> dict:
    counts = dict(db.session.execute(policy.scoped_proposals(
        db.session, g.api_user, select(Proposal.status, func.count(Proposal.id)))
        .where(Proposal.run_id == run.id).group_by(Proposal.status)).tuples().all())
    unpaired = db.session.execute(policy.scoped(
        db.session, g.api_user, Child,
        select(func.count(UnpairedChild.id)).join(Child, Child.id == UnpairedChild.child_id))
        .where(UnpairedChild.run_id == run.id)).scalar_one()
    return {**{status: counts.get(status, 0) for status in PROPOSAL_STATUSES},
            "unpaired": unpaired}


def _run_out(run: MatchRun) -> dict:
    return {"id": run.id, "region_code": run.region_code, "status": run.status,
            "phase": run.phase, "progress": run.progress, "run_date": run.run_date,
            "stats": run.stats or {}, "summary": _summary(run),
            "error": translate(run.error, {}) if run.error else "",
            "created_at": run.created_at, "started_at": run.started_at,
            "finished_at": run.finished_at, "url": url_for("api_matching.get_run",
                                                           run_id=run.id)}


def _visible_run(run_id: int) -> MatchRun:
    run = db.session.get(MatchRun, existing_id(run_id))
    if run is None or not policy.run_visible(db.session, g.api_user, run):
        abort(404, "not_found", "Not found")
    return run


@blp.route("/runs", methods=["POST"])
@secured(blp, "match.run", "The role may not start runs")
@blp.arguments(RunIn)
@blp.response(202, RunStartedOut, headers={"Location": {
    "description": "The run's URL", "schema": {"type": "string"}}})
@blp.alt_response(400, description="The body is not valid JSON")
@blp.alt_response(409, description="The caller does not cover the whole region")
def start_run(body):
    """Queue a matching run over a region; follow it at the returned URL."""
    if tree().get(body["region_code"]) is None:
        abort(422, "invalid", "Some fields are not valid.",
              {"region_code": [translate("Unknown region code %(value)s.",
                                         {"value": body["region_code"]})]})
    run = runs.start_run(db.session, g.api_user, body["region_code"])
    db.session.flush()
    after_commit(_queue_run, run.id)  # the worker must find the run
    out = _run_out(run)
    return {"run": out, "url": out["url"]}, 202, {"Location": out["url"]}


def _queue_run(run_id: int) -> None:
    try:
        enqueue("matching.run", run_id)
    except BrokerUnavailable:  # the run waits in the database until the broker is back
        pass


@blp.route("/runs/<int:run_id>")
@secured(blp, "match.review", "The role may not review runs")
@blp.response(200, RunOut)
@blp.alt_response(404, description="No such run covering the caller's counties")
def get_run(run_id):
    """A run's status, phase, progress, statistics and error."""
    return _run_out(_visible_run(run_id))


@blp.route("/runs/<int:run_id>/proposals")
@secured(blp, "match.review", "The role may not review runs")
@blp.arguments(ProposalQuery, location="query")
@blp.response(200, ProposalPage)
@blp.alt_response(404, description="No such run covering the caller's counties")
def list_proposals(args, run_id):
    """The run's proposals whose child is in the caller's counties."""
    _visible_run(run_id)
    stmt = policy.scoped_proposals(db.session, g.api_user).where(
        Proposal.run_id == run_id).options(
        joinedload(Proposal.child), joinedload(Proposal.volunteer)).order_by(Proposal.id)
    if "status" in args:
        stmt = stmt.where(Proposal.status == args["status"])
    if "priority" in args:
        stmt = stmt.where(Proposal.priority == args["priority"])
    return paginate(stmt, args)


@blp.route("/proposals/<int:proposal_id>/approve", methods=["POST"])
@secured(blp, "match.review", "The role may not decide proposals")
@blp.response(201, PairOut)
@blp.alt_response(404, description="No such proposal in the caller's counties")
@blp.alt_response(409, description="Not open any more, consent withdrawn, the volunteer "
                                   "is full or the child is already paired")
def approve(proposal_id):
    """Approve an open proposal: the child and the volunteer become a pair."""
    pair = lifecycle.approve_proposal(db.session, g.api_user, existing_id(proposal_id))
    return coordinator_view(pair)


@blp.route("/proposals/<int:proposal_id>/reject", methods=["POST"])
@secured(blp, "match.review", "The role may not decide proposals")
@blp.arguments(ProposalRejectIn)
@blp.response(200, ProposalOut)
@blp.alt_response(400, description="The body is not valid JSON")
@blp.alt_response(404, description="No such proposal in the caller's counties")
@blp.alt_response(409, description="The proposal is no longer open")
def reject(body, proposal_id):
    """Reject an open proposal; later runs never propose this pair again."""
    lifecycle.reject_proposal(db.session, g.api_user, existing_id(proposal_id),
                          body["reason"])
    return db.session.get(Proposal, proposal_id)
