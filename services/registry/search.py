"""Registry lists: what the user may see (services.access.policy), filtered and searched."""

from sqlalchemy import Select
from sqlalchemy.orm import Session

from models import User
from services.access import policy
from services.shared.search import name_or_external_id


def listing(session: Session, user: User, model, *, text: str = "", newest_first: bool = False,
            **equal) -> Select:
    """The user's records of ``model`` by id, where each given column equals its value
    (``None`` leaves a column out) and the name or external id matches ``text``."""
    stmt = policy.scoped(session, user, model).order_by(
        model.id.desc() if newest_first else model.id)
    for column, value in equal.items():
        if value is not None:
            stmt = stmt.where(getattr(model, column) == value)
    if text:
        stmt = stmt.where(name_or_external_id(model, text))
    return stmt
