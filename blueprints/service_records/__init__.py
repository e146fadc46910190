from flask import Blueprint

bp = Blueprint("service_records", __name__)

from blueprints.service_records import routes, volunteer  # noqa: E402,F401
