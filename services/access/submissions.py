"""Once-only form submissions, held by the database (a unique token per form shown)."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import FormSubmission


def first_time(session: Session, token: str | None) -> bool:
    """Record the form's token in the caller's transaction; False if it was sent before.

    Two identical posts at once (a double click) race on the primary key: the second waits
    for the first and then fails, so only one of them creates anything. A form whose
    saving fails is rolled back with its token, so it can be sent again. Call it before
    anything else is written in the request: a duplicate rolls the transaction back.
    """
    if not token:
        return True
    session.add(FormSubmission(token=token[:64]))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()  # nothing else was written yet in this request
        return False
    return True
