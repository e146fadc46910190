from flask import Blueprint

bp = Blueprint("children", __name__)

from blueprints.children import compare, duplicates, routes  # noqa: E402,F401
