from flask import Blueprint

bp = Blueprint("followups", __name__)

from blueprints.followups import callbacks, cases, routes  # noqa: E402,F401
