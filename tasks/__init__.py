"""Celery: the app bound to Flask, and the tasks (thin wrappers around services)."""

from celery import Celery, Task
from flask import Flask

# Importing the task modules registers their shared tasks with every Celery app.
from tasks import checks, imports, matching, reminders, retention, system  # noqa: F401
from tasks.dispatch import wake_priority_sender_after_commit


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app for ``app``; every task runs inside an app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    wake_priority_sender_after_commit()
    app.extensions["celery"] = celery_app
    return celery_app
