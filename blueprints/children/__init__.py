from flask import Blueprint

bp = Blueprint("children", __name__)

from blueprints.children import routes  # noqa: E402,F401
