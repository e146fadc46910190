"""Celery: the app bound to Flask, and the tasks (thin wrappers around services)."""

from celery import Celery, Task
from flask import Flask


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app for ``app``; every task runs inside an app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    # Importing the task modules registers their shared tasks with every Celery app.
    import tasks.checks  # noqa: F401
    import tasks.imports  # noqa: F401
    import tasks.matching  # noqa: F401
    import tasks.reminders  # noqa: F401
    import tasks.retention  # noqa: F401
    import tasks.system  # noqa: F401

    app.extensions["celery"] = celery_app
    return celery_app


def enqueue(name: str, *args) -> None:
    """Queue a task on the current Flask app's own Celery app (ids only, never objects)."""
    from flask import current_app

    current_app.extensions["celery"].tasks[name].apply_async(args=args)


def enqueue_from_worker(name: str, *args) -> None:
    """Queue a task from inside a task (the worker's own Celery app)."""
    from celery import current_app as celery_app

    celery_app.tasks[name].apply_async(args=args)
