"""How quickly counties verify families' applications: figures for the dashboard and the
month report (counts only; nothing a family typed leaves services.applications)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Application

#: The programme's promise: an application is verified within this many days.
VERIFY_WITHIN = timedelta(days=7)


@dataclass
class VerificationFigures:
    """One county's applications: received, waiting, and verified in time."""

    received: int = 0
    waiting: int = 0
    #: Applications whose seven days are over, or that were verified already.
    due: int = 0
    verified_in_time: int = 0

    @property
    def share(self) -> float | None:
        """Share of the due applications verified within seven days."""
        return round(self.verified_in_time / self.due, 3) if self.due else None

    def add(self, other: "VerificationFigures") -> None:
        for name in ("received", "waiting", "due", "verified_in_time"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def verification_figures(session: Session, counties: set[str] | None, moment: datetime,
                         start: datetime | None = None, end: datetime | None = None
                         ) -> dict[str, VerificationFigures]:
    """Per county of ``counties`` (None: all): applications received in [start, end)."""
    stmt = select(Application.region_code, Application.status, Application.created_at,
                  Application.verified_at)
    if counties is not None:
        stmt = stmt.where(Application.region_code.in_(sorted(counties)))
    if start is not None:
        stmt = stmt.where(Application.created_at >= start)
    if end is not None:
        stmt = stmt.where(Application.created_at < end)
    figures: dict[str, VerificationFigures] = {}
    for county, status, created, verified in session.execute(stmt).tuples():
        row = figures.setdefault(county, VerificationFigures())
        row.received += 1
        row.waiting += status == "waiting"
        if verified is not None or moment - created > VERIFY_WITHIN:
            row.due += 1
            row.verified_in_time += verified is not None and verified - created <= VERIFY_WITHIN
    return figures
