"""The county coordinators' queue of families' applications."""

from flask import Blueprint

bp = Blueprint("applications", __name__)

from blueprints.applications import routes  # noqa: E402,F401
