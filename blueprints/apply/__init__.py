"""The public pages where a family applies for its child (自主申报) and reads the status."""

from flask import Blueprint

bp = Blueprint("apply", __name__)

from blueprints.apply import routes  # noqa: E402,F401
