"""The region cascade (province → city → county) for forms: public, read-only."""

from flask import jsonify

from blueprints.regions import bp
from blueprints.web import tree


@bp.route("/children/")
@bp.route("/<code>/children")
def children(code: str | None = None):
    regions = tree().children.get(code, [])
    return jsonify([{"code": r.code, "name": r.name, "level": r.level,
                     "leaf": tree().is_leaf(r.code)} for r in regions])
