"""Entry point for ``celery -A tasks.worker worker`` and ``celery -A tasks.worker beat``."""

from app import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
