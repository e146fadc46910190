"""One transaction per request, committed in one place (as indico's ``RH.process``).

Views and API operations call services, which only ``flush()``. When the view has answered,
the request's work is committed if the answer is a success (status below 400) and rolled
back otherwise. Work that must wait until the data is saved (queueing a task that reads the
new row, waking a sender) is registered with ``after_commit``.

A service's refusal (``Invalid``, ``DomainError``) rolls the work back: inside ``saving()``
a page shows the problems on its form; anywhere in the API it becomes a problem+json
answer; anywhere else on the web it is flashed and the person is sent back.
"""

from collections.abc import Callable
from contextlib import contextmanager

from flask import Flask, abort, current_app, flash, g, redirect, request, url_for
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import InternalServerError

from blueprints.api.core import refusal_problem
from blueprints.web import safe_next, show_problems, translate
from core.errors import DomainError, NotFound
from extensions import db
from services.shared.validation import Invalid

REFUSALS = (Invalid, DomainError)


def after_commit(callback: Callable, *args) -> None:
    """Run ``callback(*args)`` once this request's work is committed (never if rolled back)."""
    g.setdefault("_after_commit", []).append((callback, args))


def keep_when_refused() -> None:
    """Commit this request's work even though it answers with an error (a wrong code's
    try must count)."""
    g._keep_when_refused = True


class Saved:
    """Whether the work inside ``saving()`` was accepted (truthy) or refused."""

    ok = True

    def __bool__(self) -> bool:
        return self.ok


@contextmanager
def saving(form=None, *, keep: tuple[type[Exception], ...] = ()):
    """Run a change; if a service refuses it, roll it back and show the problems.

    Problems go to ``form``'s fields when given, else they are flashed. A refusal of a
    type in ``keep`` keeps what was written before it (a wrong code's try must count).
    The work is flushed here (so a database rule fails inside the block) and committed
    with the request.
    """
    saved = Saved()
    try:
        yield saved
        db.session.flush()
    except NotFound:
        raise  # out of the person's reach: a 404, not a problem to fix
    except REFUSALS as error:
        if not isinstance(error, keep):
            db.session.rollback()
            g.pop("_after_commit", None)
        show_problems(error, form)
        saved.ok = False


def commit_request(response):
    """The request's one commit: success answers keep the work, others roll it back."""
    callbacks = g.pop("_after_commit", [])
    if response.status_code >= 400 and not g.pop("_keep_when_refused", False):
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except SQLAlchemyError:  # e.g. the database restarting: a clean error page, nothing half-saved
        current_app.logger.exception("the request's commit failed")
        try:
            db.session.rollback()
        except SQLAlchemyError:  # the connection itself is gone
            db.session.close()
        return current_app.make_response(
            current_app.handle_http_exception(InternalServerError()))
    for callback, args in callbacks:
        callback(*args)
    return response


def refused(error):
    """A refusal no view caught: nothing is saved; the person is told what to fix."""
    db.session.rollback()
    g.pop("_after_commit", None)
    if request.path.startswith("/api/"):
        return refusal_problem(error)
    if isinstance(error, NotFound):
        abort(404)
    if isinstance(error, Invalid):
        show_problems(error)
    else:
        flash(translate(error.message, error.params), "danger")
    return redirect(safe_next(_same_site(request.referrer)) or url_for("main.index"))


def _same_site(referrer: str | None) -> str | None:
    """The path of a referrer on this site (the page the person came from)."""
    if not referrer or not referrer.startswith(request.host_url):
        return None
    return "/" + referrer[len(request.host_url):]


def init_app(app: Flask) -> None:
    app.after_request(commit_request)
    for refusal in REFUSALS:
        app.register_error_handler(refusal, refused)
