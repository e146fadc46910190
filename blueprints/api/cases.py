"""Protection cases (五位一体) and the child's file (一人一档).

Rules: coordinators and admins read and work the cases of children in their counties
(another county's case is 404, a volunteer's token is 403); the steps are those of the
web pages (services.followups.cases): acknowledge, assess, refer, record an outcome,
close; a closed case takes no more steps (409); bad values are 422. Department phones are
masked in answers. The child's timeline is the file's page as data.
"""

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from blueprints.api.core import PageArgs, abort, page_schema, paginate, secured
from blueprints.api.pairs import existing_id
from blueprints.web import translate
from core.errors import NotFound
from extensions import db
from models import Child, Concern
from services.access import audit, policy
from services.followups import cases
from services.reports import child_file
from services.shared.phones import mask_phone

blp = Blueprint("api_cases", __name__, url_prefix="/api/v1",
                description="Protection cases (report, acknowledge, assess, refer, close) "
                            "and the child's file")


class ReferralOut(Schema):
    id = fields.Integer()
    referred_on = fields.Date()
    department = fields.String(metadata={"description": ", ".join(cases.DEPARTMENTS)})
    contact_name = fields.String()
    contact_phone_masked = fields.Function(
        lambda r: mask_phone(r.contact_phone) if r.contact_phone else "",
        metadata={"type": "string"})
    request = fields.String()
    guardianship_intervention = fields.Boolean()
    outcome = fields.String()
    outcome_on = fields.Date(allow_none=True)


class EventOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": ", ".join(cases.EVENT_LABELS)})
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    detail = fields.Dict()


class CaseOut(Schema):
    id = fields.Integer()
    child_id = fields.Integer()
    pair_id = fields.Integer(allow_none=True)
    kind = fields.String()
    text = fields.String()
    status = fields.String(metadata={"description": "open or closed"})
    step = fields.String(metadata={"description": ", ".join(cases.STEPS)})
    immediate_danger = fields.Boolean()
    occurred_on = fields.Date(allow_none=True)
    place = fields.String()
    reporter_kind = fields.String()
    reporter_name = fields.String()
    created_at = fields.DateTime()
    ack_due_at = fields.DateTime(allow_none=True)
    acknowledged_at = fields.DateTime(allow_none=True)
    risk_level = fields.String(allow_none=True)
    plan = fields.String()
    next_review_on = fields.Date(allow_none=True)
    outcome = fields.String(attribute="action")
    close_reason = fields.String()
    closed_at = fields.DateTime(attribute="action_at", allow_none=True)


class CaseDetailOut(CaseOut):
    referrals = fields.List(fields.Nested(ReferralOut))
    events = fields.List(fields.Nested(EventOut))


class CaseQuery(PageArgs):
    status = fields.String(validate=validate.OneOf(["open", "closed"]))
    step = fields.String(validate=validate.OneOf(list(cases.STEPS)))


class AssessIn(Schema):
    risk_level = fields.String(required=True)
    plan = fields.String(required=True, validate=validate.Length(max=2000))
    next_review_on = fields.Date(required=True)


class ReferralIn(Schema):
    referred_on = fields.Date(required=True)
    department = fields.String(required=True)
    contact_name = fields.String(load_default="", validate=validate.Length(max=64))
    contact_phone = fields.String(load_default="", validate=validate.Length(max=20))
    request = fields.String(required=True, validate=validate.Length(max=2000))
    guardianship_intervention = fields.Boolean(load_default=False)


class OutcomeIn(Schema):
    outcome = fields.String(required=True, validate=validate.Length(max=2000))
    outcome_on = fields.Date(required=True)


class CloseIn(Schema):
    outcome = fields.String(required=True, validate=validate.Length(max=2000))
    close_reason = fields.String(required=True, validate=validate.Length(max=2000))


class TimelineEntryOut(Schema):
    day = fields.Date()
    at = fields.DateTime(allow_none=True)
    kind = fields.String(metadata={"description": ", ".join(child_file.KINDS)})
    title = fields.Function(lambda e: translate(e["title"], {}), metadata={
        "type": "string", "description": "What happened, in the caller's language"})
    record = fields.Dict()


class TimelineQuery(Schema):
    kind = fields.List(fields.String(validate=validate.OneOf(list(child_file.KINDS))),
                       load_default=list)


class TimelineOut(Schema):
    child_id = fields.Integer()
    items = fields.List(fields.Nested(TimelineEntryOut))


CasePage = page_schema(CaseOut, "CasePage")


def _case(concern_id: int) -> Concern:
    try:
        return cases.get_case(db.session, g.api_user, existing_id(concern_id))
    except NotFound:
        abort(404, "not_found", "Not found")


def _step(concern_id: int, act) -> Concern:
    """Take a step; a refusal becomes a problem answer (blueprints.transaction)."""
    case = _case(concern_id)
    act(case)
    db.session.flush()
    return case


@blp.route("/cases")
@secured(blp, "concern.act", "The role may not view cases")
@blp.arguments(CaseQuery, location="query")
@blp.response(200, CasePage)
def list_cases(args):
    """Cases about children of the caller's counties, oldest first."""
    stmt = policy.scoped_by_child(db.session, g.api_user, Concern).order_by(Concern.id)
    for name in ("status", "step"):
        if name in args:
            stmt = stmt.where(getattr(Concern, name) == args[name])
    return paginate(stmt, args)


@blp.route("/cases/<int:concern_id>")
@secured(blp, "concern.act", "The role may not view cases")
@blp.response(200, CaseDetailOut)
@blp.alt_response(404, description="No such case in the caller's counties")
def get_case(concern_id):
    """One case with its referrals and every step so far (the read is audited)."""
    case = _case(concern_id)
    audit.record(db.session, g.api_user, "case.view", "concern", case.id)
    return case


def _documented(view):
    for status, description in ((404, "No such case in the caller's counties"),
                                (409, "The case is closed, or the step comes too early"),
                                (422, "A value is not valid")):
        view = blp.alt_response(status, description=description)(view)
    return view


@blp.route("/cases/<int:concern_id>/acknowledge", methods=["POST"])
@secured(blp, "concern.act", "The role may not act on cases")
@blp.response(200, CaseDetailOut)
@_documented
def acknowledge(concern_id):
    """受理: take the case on; the acknowledgement ladder stops."""
    return _step(concern_id, lambda case: cases.acknowledge(db.session, g.api_user, case))


@blp.route("/cases/<int:concern_id>/assessment", methods=["POST"])
@secured(blp, "concern.act", "The role may not act on cases")
@blp.arguments(AssessIn)
@blp.response(200, CaseDetailOut)
@_documented
def assess(body, concern_id):
    """评估帮扶: risk level, short plan, next review date."""
    return _step(concern_id, lambda case: cases.assess(db.session, g.api_user, case, body))


@blp.route("/cases/<int:concern_id>/referrals", methods=["POST"])
@secured(blp, "concern.act", "The role may not act on cases")
@blp.arguments(ReferralIn)
@blp.response(201, CaseDetailOut)
@_documented
def refer(body, concern_id):
    """转介: refer the case to a department; guardianship intervention is flagged."""
    return _step(concern_id, lambda case: cases.refer(db.session, g.api_user, case, body))


@blp.route("/cases/<int:concern_id>/referrals/<int:referral_id>/outcome", methods=["POST"])
@secured(blp, "concern.act", "The role may not act on cases")
@blp.arguments(OutcomeIn)
@blp.response(200, CaseDetailOut)
@_documented
def referral_outcome(body, concern_id, referral_id):
    """What the department did."""
    return _step(concern_id, lambda case: cases.record_outcome(
        db.session, g.api_user, case, existing_id(referral_id), body))


@blp.route("/cases/<int:concern_id>/close", methods=["POST"])
@secured(blp, "concern.act", "The role may not act on cases")
@blp.arguments(CloseIn)
@blp.response(200, CaseDetailOut)
@_documented
def close(body, concern_id):
    """办结: needs an outcome and a reason; the case stays in the child's file."""
    return _step(concern_id, lambda case: cases.close(db.session, g.api_user, case, body))


@blp.route("/children/<int:child_id>/timeline")
@secured(blp, "child.view", "The role may not view children")
@blp.arguments(TimelineQuery, location="query")
@blp.response(200, TimelineOut)
@blp.alt_response(404, description="No such child within the caller's reach")
def timeline(args, child_id):
    """The child's file (一人一档) in order, optionally only some kinds (audited)."""
    try:
        child = policy.get_scoped(db.session, g.api_user, Child, existing_id(child_id))
    except NotFound:
        abort(404, "not_found", "Not found")
    kinds = set(args["kind"])
    audit.record(db.session, g.api_user, "child.file", "child", child.id, kinds=sorted(kinds))
    items = [child_file.as_record(e) for e in child_file.timeline(db.session, child, kinds)]
    return {"child_id": child.id, "items": items}
