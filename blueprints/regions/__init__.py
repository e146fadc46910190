from flask import Blueprint

bp = Blueprint("regions", __name__)

from blueprints.regions import routes  # noqa: E402,F401
