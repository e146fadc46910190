from flask import Blueprint

bp = Blueprint("feedback", __name__)

from blueprints.feedback import routes  # noqa: E402,F401
