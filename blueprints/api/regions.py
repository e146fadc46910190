"""Regions (read-only): the GB/T 2260 tree down to county level."""

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from blueprints.api.core import abort
from blueprints.web import tree

blp = Blueprint("api_regions", __name__, url_prefix="/api/v1/regions",
                description="Administrative divisions (public)")


class RegionOut(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
    parent_code = fields.String(allow_none=True)
    latitude = fields.Float()
    longitude = fields.Float()
    leaf = fields.Boolean(metadata={"description": "People can be registered here"})


class RegionQuery(Schema):
    parent = fields.String(validate=validate.Regexp(r"^\d{6}$"), metadata={
        "description": "6-digit parent code; omit for the provinces"})


def _out(region) -> dict:
    return {"code": region.code, "name": region.name, "level": region.level,
            "parent_code": region.parent_code, "latitude": region.latitude,
            "longitude": region.longitude, "leaf": tree().is_leaf(region.code)}


@blp.route("")
@blp.arguments(RegionQuery, location="query")
@blp.response(200, RegionOut(many=True))
def list_regions(args):
    """The regions directly under ``parent`` (the provinces without it)."""
    parent = args.get("parent")
    if parent and tree().get(parent) is None:
        abort(404, "not_found", "Unknown region code.")
    return [_out(r) for r in tree().children.get(parent, [])]


@blp.route("/<string:code>")
@blp.response(200, RegionOut)
def get_region(code):
    """One region."""
    region = tree().get(code)
    if region is None:
        abort(404, "not_found", "Unknown region code.")
    return _out(region)
