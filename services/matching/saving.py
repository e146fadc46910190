"""Saving a run while the engine solves it (PostgreSQL).

Much of what a run writes needs no pairing.  The open proposals of earlier runs over its
counties are withdrawn whatever this run proposes, and each child of the run has the
reason it would stay unpaired (``Candidates.child_reasons``) as soon as the candidates are
built.  ``SavingAhead`` sends both on a thread of its own while the engine solves, writing
*every* child of the run as unpaired; ``finish`` then deletes the rows of the children the
pairing pairs and writes the proposals.  It is all one transaction, committed by the
caller once the certificate has passed: no one sees the provisional rows, and a run that
fails rolls all of it back.

Why: checking the foreign keys of the unpaired children (82,000 rows on the Guangxi
benchmark, 246,000 on Sichuan) and withdrawing the last run's proposals were most of a
run's saving; the database now does them on the second core while the solver uses the
first.

The thread sends one statement and waits for it, and the statement is rendered before
the thread starts: the flow solver holds the GIL while it runs, so the thread must not
need it.  Until ``finish`` or ``abandon`` has joined the thread, nothing else touches the
session (the run's progress is written on connections of its own).  SQLite, the embedded
default, allows one writer at a time, and the progress is written in transactions of its
own, so there the run saves after solving, as before (``can_save_ahead``).
"""

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.threads import Beside
from services.matching import engine
from services.matching.store import insert_proposals, withdraw_statement

_UNPAIRED_ALL = (
    "INSERT INTO unpaired_children (run_id, child_id, reason) "
    "SELECT %(run_id)s, given.child_id, (%(reasons)s::varchar[])[given.code + 1] "
    "FROM unnest(%(child_ids)s::integer[], %(codes)s::integer[]) AS given(child_id, code)")

_DELETE_PAIRED = text("DELETE FROM unpaired_children WHERE run_id = :run_id "
                      "AND child_id = ANY(CAST(:child_ids AS integer[]))")


def can_save_ahead(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _array(values: np.ndarray) -> str:
    """A PostgreSQL array literal of integers (psycopg2 adapts a list of them four
    times slower: 0.2 s for Sichuan's 300,000 children)."""
    return "{" + ",".join(map(str, values.tolist())) + "}"


class SavingAhead:
    """The writes of run ``run_id`` that need no pairing, sent on a thread of its own."""

    def __init__(self, session: Session, run_id: int, counties, cands: engine.Candidates):
        self._session, self._run_id = session, run_id
        self._children = len(cands.child_ids)
        raw = session.connection().connection.dbapi_connection
        withdraw = withdraw_statement(run_id, counties).compile(
            dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
        with raw.cursor() as cursor:
            statement = cursor.mogrify(str(withdraw), withdraw.params) + b";" + cursor.mogrify(
                _UNPAIRED_ALL, {"run_id": run_id, "reasons": list(engine.UNPAIRED_REASONS),
                                "child_ids": _array(cands.child_ids),
                                "codes": _array(cands.child_reasons)})
        #: The database's writes; ``sent`` is set once they are done.
        self._writing = Beside("match-saving-ahead", _send, raw, statement)
        self.sent = self._writing.done

    @property
    def seconds(self) -> float:
        """How long the writes took, until the thread ran again."""
        return self._writing.seconds

    def finish(self, result: engine.MatchResult) -> None:
        """Once the pairing is known: keep the rows of the children it leaves unpaired,
        and write its proposals."""
        self._writing.wait()
        paired = np.array([p.child_id for p in result.proposals], dtype=np.int64)
        deleted = self._session.execute(_DELETE_PAIRED, {
            "run_id": self._run_id, "child_ids": _array(paired)}).rowcount
        if deleted != len(paired) or self._children - deleted != len(result.unpaired):
            raise RuntimeError(f"match run {self._run_id}: {deleted} provisional rows "
                               f"deleted for {len(paired)} paired children")
        insert_proposals(self._session, self._run_id, result.proposals)

    def abandon(self) -> None:
        """Wait for the thread, whatever it did: the caller rolls back."""
        self._writing.wait_quietly()


def _send(raw, statement: bytes) -> None:
    with raw.cursor() as cursor:
        cursor.execute(statement)
