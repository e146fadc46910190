"""Bulk writes: COPY on PostgreSQL, executemany elsewhere (SQLite), same results.

A 100,000-row ledger or a province's proposals would take a minute as single-row
INSERTs; COPY into a temporary table and one INSERT ... SELECT take a few seconds, in
the caller's transaction.
"""

import io
import json
from datetime import date, datetime
from itertools import count

from sqlalchemy import Table, column, func, insert, select, table, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

CHUNK = 2000
_temp_names = count(1)


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_rows(session: Session, target: Table, rows: list[dict],
                ignore_conflicts_on: str | None = None) -> None:
    """Insert many rows (all with the same keys); with ``ignore_conflicts_on``, rows whose
    value in that unique column already exists are left out."""
    if not rows:
        return
    columns = list(rows[0])
    if _is_postgresql(session):
        if ignore_conflicts_on is None:
            _copy(session, target.name, columns, rows, target)
            return
        staging = _staging(session, target, columns, rows)
        stmt = pg_insert(target).from_select(columns, _select_all(staging, columns))
        session.execute(stmt.on_conflict_do_nothing(index_elements=[ignore_conflicts_on]))
        session.execute(text(f'DROP TABLE "{staging}"'))
        return
    stmt = insert(target)
    if ignore_conflicts_on is not None:
        stmt = sqlite_insert(target).on_conflict_do_nothing(index_elements=[ignore_conflicts_on])
    for start in range(0, len(rows), CHUNK):
        session.execute(stmt, rows[start:start + CHUNK])


def read_rows(session: Session, stmt) -> list[tuple]:
    """The rows of a SELECT as plain tuples.  On PostgreSQL they come straight from the
    driver, without a SQLAlchemy row for each (0.1 s per 100,000 rows), so no selected
    column may have a type SQLAlchemy converts itself (a ``TypeDecorator``, such as the
    encrypted ones); elsewhere (SQLite's driver gives dates as text) through SQLAlchemy."""
    if not _is_postgresql(session):
        return session.connection().execute(stmt).tuples().all()
    converted = [c.name for c in stmt.selected_columns if isinstance(c.type, TypeDecorator)]
    if converted:
        raise ValueError(f"read_rows cannot convert {', '.join(converted)}")
    compiled = stmt.compile(dialect=session.get_bind().dialect,
                            compile_kwargs={"render_postcompile": True})
    with session.connection().connection.dbapi_connection.cursor() as cursor:
        cursor.execute(str(compiled), compiled.params)
        return cursor.fetchall()


def upsert_rows(session: Session, target: Table, rows: list[dict], key: str,
                keep_on_update=(), keep_if_empty=()) -> None:
    """Insert rows, or update the row with the same ``key`` value.

    Columns in ``keep_on_update`` are written only on insert; those in ``keep_if_empty``
    keep their stored value when the new one is NULL.
    """
    if not rows:
        return
    columns = list(rows[0])
    if _is_postgresql(session):
        staging = _staging(session, target, columns, rows)
        stmt = pg_insert(target).from_select(columns, _select_all(staging, columns))
        session.execute(_on_conflict(stmt, target, columns, key, keep_on_update,
                                     keep_if_empty))
        session.execute(text(f'DROP TABLE "{staging}"'))
        return
    stmt = _on_conflict(sqlite_insert(target), target, columns, key, keep_on_update,
                        keep_if_empty)
    for start in range(0, len(rows), CHUNK):
        session.execute(stmt, rows[start:start + CHUNK])


def _staging(session: Session, target: Table, columns: list[str], rows: list[dict]) -> str:
    """A temporary table shaped like ``target``'s columns, filled by COPY."""
    staging = f"bulk_staging_{next(_temp_names)}"
    names = ", ".join(f'"{c}"' for c in columns)
    session.execute(text(f'CREATE TEMP TABLE "{staging}" ON COMMIT DROP AS '
                         f'SELECT {names} FROM "{target.name}" WITH NO DATA'))
    _copy(session, staging, columns, rows, target)
    return staging


def _select_all(staging: str, columns: list[str]):
    return select(*[column(c) for c in columns]).select_from(
        table(staging, *[column(c) for c in columns]))


def _on_conflict(stmt, target, columns, key, keep_on_update, keep_if_empty):
    update = {c: stmt.excluded[c] for c in columns
              if c not in (key, "created_at", *keep_on_update)}
    for name in keep_if_empty:
        update[name] = func.coalesce(stmt.excluded[name], target.c[name])
    return stmt.on_conflict_do_update(index_elements=[key], set_=update)


def _copy(session: Session, table_name: str, columns: list[str], rows: list[dict],
          target: Table | None = None) -> None:
    """COPY rows in; columns with a custom type (encrypted text) are converted as an
    INSERT would convert them."""
    dialect = session.get_bind().dialect
    processors = {}
    if target is not None:
        for name in columns:
            if isinstance(target.c[name].type, TypeDecorator):
                processors[name] = target.c[name].type.bind_processor(dialect)
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(
            _copy_text(processors[c](row[c]) if c in processors else row[c]) for c in columns))
        buffer.write("\n")
    buffer.seek(0)
    raw = session.connection().connection.dbapi_connection
    with raw.cursor() as cursor:
        names = ", ".join(f'"{c}"' for c in columns)
        cursor.copy_expert(f'COPY "{table_name}" ({names}) FROM STDIN', buffer)


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    kind = type(value)
    if kind is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return (value.replace("\\", "\\\\").replace("\t", "\\t")
                    .replace("\n", "\\n").replace("\r", "\\r"))
        return value
    if kind is int or kind is float:
        return repr(value)
    if value is None:
        return r"\N"
    if kind is bool:
        return "t" if value else "f"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return _copy_text(json.dumps(value, ensure_ascii=False))
    return _copy_text(str(value))
