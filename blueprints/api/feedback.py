"""Pair feedback for coordinators: a pair's answers and the summary of their counties.

Same rules as the pages: ``feedback.view`` (coordinators and admins), a pair outside the
caller's counties is 404, the summary covers only the caller's counties.
"""

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from blueprints.api.core import abort, secured
from blueprints.api.pairs import existing_id
from core.errors import NotFound
from extensions import db
from services.followups import feedback

blp = Blueprint("api_feedback", __name__, url_prefix="/api/v1/feedback",
                description="Structured feedback on pairs (volunteers and guardians)")


class FeedbackOut(Schema):
    id = fields.Integer()
    pair_id = fields.Integer()
    round = fields.String(metadata={"description": "three_months or end"})
    respondent = fields.String(metadata={"description": "volunteer or guardian"})
    satisfaction = fields.Integer(metadata={"description": "1 (very poor) to 5 (very good)"})
    contact_frequency = fields.String(
        metadata={"description": "weekly, fortnightly, monthly or rarely"})
    child_trend = fields.String(metadata={"description": "better, same or worse"})
    would_continue = fields.Boolean()
    comment = fields.String()
    recorded_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class PairFeedbackOut(Schema):
    pair_id = fields.Integer()
    items = fields.List(fields.Nested(FeedbackOut))


class FiguresOut(Schema):
    count = fields.Integer()
    average = fields.Float(allow_none=True)
    would_continue = fields.Integer()
    better = fields.Integer()
    worse = fields.Integer()


class CountyFiguresOut(FiguresOut):
    region_code = fields.String()


class SummaryOut(Schema):
    ratings = fields.Dict(keys=fields.String(), values=fields.Integer(),
                          metadata={"description": "Answers per satisfaction score, 5 to 1"})
    total = fields.Nested(FiguresOut)
    by_county = fields.List(fields.Nested(CountyFiguresOut))


class SummaryQuery(Schema):
    respondent = fields.String(validate=validate.OneOf(list(feedback.RESPONDENTS)))
    round = fields.String(validate=validate.OneOf(list(feedback.ROUNDS)))


@blp.route("/pairs/<int:pair_id>")
@secured(blp, "feedback.view", "The role may not view feedback")
@blp.response(200, PairFeedbackOut)
@blp.alt_response(404, description="No such pair in the caller's counties")
def pair_feedback(pair_id):
    """Every answer about one pair, in the order they came."""
    try:
        pair = feedback.pair_in_scope(db.session, g.api_user, existing_id(pair_id))
    except NotFound:
        abort(404, "not_found", "Not found")
    return {"pair_id": pair.id, "items": feedback.for_pairs(db.session, [pair.id])}


@blp.route("/summary")
@secured(blp, "feedback.view", "The role may not view feedback")
@blp.arguments(SummaryQuery, location="query")
@blp.response(200, SummaryOut)
def summary(args):
    """Answers per rating, the average satisfaction and per-county figures."""
    return feedback.summary(db.session, g.api_user, args.get("respondent"), args.get("round"))
