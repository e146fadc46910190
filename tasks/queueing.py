"""Queueing a task from inside another task (the worker's own Celery app)."""

from celery import current_app as celery_app


def enqueue_from_worker(name: str, *args) -> None:
    """Queue a task from inside a task (the worker's own Celery app)."""
    celery_app.tasks[name].apply_async(args=args)
