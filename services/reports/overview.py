"""The figures of a coordinator's home page, in the user's own counties."""

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ContactLog, Pair, User
from services.access import policy

#: Contacts logged within this many days count as "recent" on the home page.
RECENT_DAYS = 30


def pair_figures(session: Session, user: User, today: date) -> dict:
    """Active pairs and the contacts their volunteers logged in the last 30 days."""
    active = session.execute(policy.scoped_pairs(
        session, user, select(func.count(Pair.id)).select_from(Pair))
        .where(Pair.status == "active")).scalar_one()
    contacts = session.execute(policy.scoped_pairs(
        session, user, select(func.count(ContactLog.id)).select_from(Pair))
        .join(ContactLog, ContactLog.pair_id == Pair.id)
        .where(ContactLog.contact_date > today - timedelta(days=RECENT_DAYS))).scalar_one()
    return {"pairs": active, "contacts": contacts}
