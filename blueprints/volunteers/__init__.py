from flask import Blueprint

bp = Blueprint("volunteers", __name__)

from blueprints.volunteers import profile, routes  # noqa: E402,F401
