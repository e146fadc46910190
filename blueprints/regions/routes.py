"""The region cascade (province → city → county) and name search for forms: public,
read-only. A signed-in coordinator's search and starting point are their own regions."""

from flask import jsonify, request
from flask_login import current_user

from blueprints.regions import bp
from blueprints.web import tree
from services import region_names


def _covered() -> set[str] | None:
    """The regions a signed-in coordinator covers; None (everything) for anyone else."""
    if current_user.is_authenticated and current_user.role == "coordinator":
        return set(current_user.region_codes)
    return None


@bp.route("/children/")
@bp.route("/<code>/children")
def children(code: str | None = None):
    regions = tree().children.get(code, [])
    return jsonify([{"code": r.code, "name": r.name, "level": r.level,
                     "leaf": tree().is_leaf(r.code)} for r in regions])


@bp.route("/search")
def search():
    """Regions whose name contains ``q``: within the coordinator's regions unless
    ``scope=all`` (an admin assigning regions searches all of China)."""
    within = None if request.args.get("scope") == "all" else _covered()
    return jsonify(region_names.search(tree(), request.args.get("q", "")[:20], within))


@bp.route("/counties")
def counties():
    """Counties whose name holds the typed text (the sign-up's county box), at most 10."""
    text = request.args.get("q", "")[:20]
    return jsonify([{"code": code, "name": name}
                    for code, name in tree().search_counties(text)])
