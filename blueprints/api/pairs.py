"""Pairs (结对): coordinators see their counties' pairs and end them; a volunteer sees
only their own active pairs.

Rules: a volunteer's view of a pair is exactly services.pairs.lifecycle.volunteer_pairs: the pair's
dates and, of the child, only the minimum listed in VOLUNTEER_CHILD_FIELDS (the guardian's
number in full, as on the volunteer's web page, to call them). Coordinators get the pair's
record and a brief of the child, without the guardian's number or the ID number. A pair
outside the caller's reach is 404; ending needs a reason, ending twice is 409.
"""

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from blueprints.api.core import PageArgs, abort, page_schema, paginate, secured
from extensions import db
from models import Pair, Volunteer
from services.access import policy
from services.pairs import lifecycle
from services.pairs.repairing import END_CAUSES

blp = Blueprint("api_pairs", __name__, url_prefix="/api/v1/pairs",
                description="Pairs of a child and a caring parent")

NOT_BLANK = validate.Regexp(r"\s*\S", error="This field is required.")
#: The largest id an integer column holds; a bigger id in a URL names no record.
MAX_ID = 2**31 - 1


def existing_id(record_id: int) -> int:
    """The id, or 404 when no record can have it (it would overflow the database)."""
    if record_id > MAX_ID:
        abort(404, "not_found", "Not found")
    return record_id


class PairChildOut(Schema):
    """The child of a pair: a coordinator's brief (id, name, region_code, priority,
    township) or, for the pair's volunteer, exactly the fields of VOLUNTEER_CHILD_FIELDS."""

    id = fields.Integer()
    name = fields.String()
    region_code = fields.String()
    priority = fields.String()
    township = fields.String()
    given_name = fields.String()
    age = fields.Integer()
    needs = fields.String(metadata={"description": "Need codes, ';'-joined"})
    county_code = fields.String()
    guardian_first_name = fields.String()
    guardian_phone = fields.String(metadata={"description": "Only in the volunteer's view"})


class PairOut(Schema):
    """A pair; the fields after ``child`` are in coordinators' views only."""

    id = fields.Integer()
    status = fields.String()
    started_at = fields.DateTime()
    next_contact_due = fields.Date(allow_none=True)
    next_visit_due = fields.Date(allow_none=True)
    child = fields.Nested(PairChildOut)
    child_id = fields.Integer()
    volunteer_id = fields.Integer()
    volunteer_name = fields.String()
    proposal_id = fields.Integer(allow_none=True)
    approved_by_id = fields.Integer(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    end_reason = fields.String()
    end_cause = fields.String(allow_none=True)
    last_contact_on = fields.Date(allow_none=True)


class PairQuery(PageArgs):
    status = fields.String(validate=validate.OneOf(["active", "ended"]),
                           metadata={"description": "A volunteer only ever sees active pairs"})


class PairEndIn(Schema):
    reason = fields.String(required=True, validate=[validate.Length(max=500), NOT_BLANK])
    #: volunteer_withdrew, volunteer_suspended and check_expired mark the child for re-pairing.
    cause = fields.String(load_default="other", validate=validate.OneOf(list(END_CAUSES)))


PairPage = page_schema(PairOut, "PairPage")


def coordinator_view(pair: Pair) -> dict:
    """A pair as coordinators and admins see it."""
    child = pair.child
    return {
        "id": pair.id, "status": pair.status, "started_at": pair.started_at,
        "next_contact_due": pair.next_contact_due, "next_visit_due": pair.next_visit_due,
        "child": {"id": child.id, "name": child.name, "region_code": child.region_code,
                  "priority": child.priority, "township": child.township},
        "child_id": pair.child_id, "volunteer_id": pair.volunteer_id,
        "volunteer_name": pair.volunteer.name, "proposal_id": pair.proposal_id,
        "approved_by_id": pair.approved_by_id, "ended_at": pair.ended_at,
        "end_reason": pair.end_reason, "end_cause": pair.end_cause,
        "last_contact_on": pair.last_contact_on,
    }


def _volunteer_view(item: dict) -> dict:
    return {"id": item["pair_id"], "status": "active", "started_at": item["since"],
            "next_contact_due": item["next_contact_due"],
            "next_visit_due": item["next_visit_due"], "child": item["child"]}


def _own_views() -> dict[int, dict]:
    """The calling volunteer's active pairs, by pair id, as volunteer_pairs gives them."""
    volunteer_id = db.session.execute(select(Volunteer.id).where(
        Volunteer.user_id == g.api_user.id)).scalar_one_or_none()
    if volunteer_id is None:
        return {}
    return {item["pair_id"]: _volunteer_view(item)
            for item in lifecycle.volunteer_pairs(db.session, volunteer_id)}


def _require_pair_view() -> bool:
    """Whether the caller sees pairs as a coordinator (True) or as a volunteer (False)."""
    if policy.allowed(g.api_user, "pair.view"):
        return True
    if policy.allowed(g.api_user, "pair.view_own"):
        return False
    abort(403, "forbidden", "Your role may not do this.")


def scoped_pair(pair_id: int) -> Pair:
    """A pair in the caller's counties (or the volunteer's own), else 404."""
    pair = db.session.execute(policy.scoped_pairs(db.session, g.api_user)
                              .where(Pair.id == existing_id(pair_id))).scalar_one_or_none()
    if pair is None:
        abort(404, "not_found", "Not found")
    return pair


@blp.route("")
@secured(blp, forbidden="The role may not view pairs")
@blp.arguments(PairQuery, location="query")
@blp.response(200, PairPage)
def list_pairs(args):
    """Pairs in the caller's counties, or the calling volunteer's own active pairs."""
    as_coordinator = _require_pair_view()
    stmt = policy.scoped_pairs(db.session, g.api_user).order_by(Pair.id)
    if "status" in args:
        stmt = stmt.where(Pair.status == args["status"])
    if as_coordinator:
        page = paginate(stmt.options(joinedload(Pair.child), joinedload(Pair.volunteer)), args)
        return {**page, "items": [coordinator_view(p) for p in page["items"]]}
    page = paginate(stmt.where(Pair.status == "active"), args)
    views = _own_views()
    return {**page, "items": [views[p.id] for p in page["items"] if p.id in views]}


@blp.route("/<int:pair_id>")
@secured(blp, forbidden="The role may not view pairs")
@blp.response(200, PairOut)
@blp.alt_response(404, description="No such pair within the caller's reach")
def get_pair(pair_id):
    """One pair (a volunteer: one of their own active pairs)."""
    if _require_pair_view():
        return coordinator_view(scoped_pair(pair_id))
    view = _own_views().get(pair_id)
    if view is None:
        abort(404, "not_found", "Not found")
    return view


@blp.route("/<int:pair_id>/end", methods=["POST"])
@secured(blp, "pair.end", "The role may not end pairs")
@blp.arguments(PairEndIn)
@blp.response(200, PairOut)
@blp.alt_response(400, description="The body is not valid JSON")
@blp.alt_response(404, description="No such pair in the caller's counties")
@blp.alt_response(409, description="The pair has already ended")
def end_pair(body, pair_id):
    """End an active pair; the child and the volunteer can be matched again."""
    pair = scoped_pair(pair_id)
    lifecycle.end_pair(db.session, g.api_user, pair, body["reason"], body["cause"])
    return coordinator_view(pair)
