"""Column mappings a coordinator chose: which of their ledger's columns holds a field
its header does not name. Chosen once on the import page, used for every later import
of that kind by them."""

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import ImportColumnMapping
from services.imports.headers import ALIASES


def remembered(session: Session, user_id: int, kind: str) -> dict[str, str]:
    """field → header, as the coordinator chose them."""
    rows = session.execute(select(ImportColumnMapping.field, ImportColumnMapping.header)
                           .where(ImportColumnMapping.user_id == user_id,
                                  ImportColumnMapping.kind == kind))
    return dict(rows.all())


def remember(session: Session, user_id: int, kind: str, chosen: dict[str, str]) -> None:
    """Keep the coordinator's choices (one header per field; a new choice replaces the
    old one). Unknown fields and empty choices are left out."""
    chosen = {f: h.strip()[:128] for f, h in chosen.items()
              if f in ALIASES[kind] and h and h.strip()}
    if not chosen:
        return
    session.execute(delete(ImportColumnMapping).where(
        ImportColumnMapping.user_id == user_id, ImportColumnMapping.kind == kind,
        ImportColumnMapping.field.in_(list(chosen))))
    session.add_all(ImportColumnMapping(user_id=user_id, kind=kind, field=f, header=h)
                    for f, h in chosen.items())
    session.flush()
