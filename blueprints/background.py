"""Starting background jobs from a request: by task name, on the app's own Celery app."""

from flask import current_app


def enqueue(name: str, *args) -> None:
    """Queue a task on the current Flask app's own Celery app (ids only, never objects)."""
    current_app.extensions["celery"].tasks[name].apply_async(args=args)
