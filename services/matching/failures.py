"""Why a matching run failed: the messages stored on the run (in English, translated
when shown to the coordinator) and the one way a run is marked failed."""

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.clock import now
from models import MatchRun
from services.shared.taxonomy import N_

#: Shown (translated) on a run refused because its candidates would not fit its memory.
TOO_LARGE = N_("This region has too many possible pairs to match in one run on this "
               "server. Run it city by city, or ask the administrator to give matching "
               "more memory.")

#: Shown (translated) on a run whose pairing failed its optimality certificate (or whose
#: flow solver failed): its proposals cannot be trusted to be the best possible.
NOT_PROVEN = N_("The run stopped: the pairs it found could not be proven the best "
                "possible, so they are not proposed. Tell the administrator (the server "
                "log says why) before starting the run again.")


def fail_run(session: Session, run_id: int, message: str) -> None:
    """Mark a run failed with a message for the coordinator."""
    session.execute(update(MatchRun).where(MatchRun.id == run_id).values(
        status="failed", error=message, finished_at=now()))
