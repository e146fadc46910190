"""Possible duplicate children: the pairs with a child in the caller's counties, and the
decisions on them (link: one child; dismiss: two children).

Of the other record in another county, only its county and whom to contact there are
given; ``other_child_id`` is filled only when the caller may open that record. A pair with
no child in the caller's counties is 404.
"""

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from blueprints.api.core import PageArgs, page_schema, paginate, secured
from blueprints.api.pairs import existing_id
from extensions import db
from services.duplicates import review

blp = Blueprint("api_duplicates", __name__, url_prefix="/api/v1/duplicates",
                description="Possible duplicate children across counties")


class DuplicateContactOut(Schema):
    name = fields.String()
    region_name = fields.String()


class DuplicateOut(Schema):
    id = fields.Integer(attribute="duplicate_id")
    child_id = fields.Integer(metadata={"description": "The caller's child of the pair"})
    child_name = fields.String()
    rule = fields.String(metadata={"description": "id_number, name_birth_phone, "
                                                  "pinyin_birth_county or linked_group"})
    status = fields.String(metadata={"description": "open, linked or dismissed"})
    other_region_code = fields.String()
    other_region_name = fields.String()
    contacts = fields.List(fields.Nested(DuplicateContactOut))
    other_child_id = fields.Integer(allow_none=True, metadata={
        "description": "Only when the other record is in the caller's counties"})


class RowDuplicatesOut(Schema):
    row = fields.Integer()
    external_id = fields.String()
    notices = fields.List(fields.Nested(DuplicateOut))


class DuplicateQuery(PageArgs):
    status = fields.String(load_default="open",
                           validate=validate.OneOf(list(review.STATUS_LABELS)))


DuplicatePage = page_schema(DuplicateOut, "DuplicatePage")


@blp.route("")
@secured(blp, "duplicate.review")
@blp.arguments(DuplicateQuery, location="query")
@blp.response(200, DuplicatePage)
def list_duplicates(args):
    """Possible duplicates involving the caller's children, newest first."""
    page = paginate(review.listing(db.session, g.api_user, args["status"]), args)
    page["items"] = review.describe(db.session, g.api_user, page["items"])
    return page


@blp.route("/<int:duplicate_id>/<any(link, dismiss):decision>", methods=["POST"])
@secured(blp, "duplicate.review")
@blp.response(200, DuplicateOut)
@blp.alt_response(404, description="No such pair with a child in the caller's counties")
@blp.alt_response(409, description="Already decided, or both records are actively paired")
def decide_duplicate(duplicate_id, decision):
    """Link the pair (one child, never paired twice) or dismiss it (two children)."""
    decide = review.link if decision == "link" else review.dismiss
    duplicate = decide(db.session, g.api_user, existing_id(duplicate_id))
    return review.describe(db.session, g.api_user, [duplicate])[0]
