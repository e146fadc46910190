"""The region cascade (province → city → county) for forms: public, read-only."""

from flask import jsonify, request

from blueprints.regions import bp
from blueprints.web import tree


@bp.route("/children/")
@bp.route("/<code>/children")
def children(code: str | None = None):
    regions = tree().children.get(code, [])
    return jsonify([{"code": r.code, "name": r.name, "level": r.level,
                     "leaf": tree().is_leaf(r.code)} for r in regions])


@bp.route("/search")
def search():
    """Counties whose name holds the typed text (the sign-up's county box), at most 10."""
    text = request.args.get("q", "")[:20]
    return jsonify([{"code": code, "name": name}
                    for code, name in tree().search_counties(text)])
