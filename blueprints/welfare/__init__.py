"""Local child-welfare contacts: per child (on the child's page) and per township."""

from flask import Blueprint

bp = Blueprint("welfare", __name__)

from blueprints.welfare import routes  # noqa: E402,F401
