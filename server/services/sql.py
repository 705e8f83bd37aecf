"""SQL helpers that read the same on SQLite and PostgreSQL."""
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_ignoring_conflicts(session: Session, table: Table, rows: list[dict], conflict_columns: list[str],
                              returning=None) -> list:
    """INSERT ... ON CONFLICT DO NOTHING for many rows; return the `returning` values of the rows inserted."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    stmt = _INSERTS[dialect](table).on_conflict_do_nothing(index_elements=conflict_columns)
    if returning is None:
        session.execute(stmt, rows)
        return []
    return list(session.scalars(stmt.returning(returning), rows))


# Unique or foreign-key violations from a concurrent insert, deadlocks, serialization failures.
_CONFLICT_STATES = {"23505", "23503", "40P01", "40001"}


def is_write_conflict(error: DBAPIError) -> bool:
    """Whether a database error came from concurrent writers, so retrying the transaction will succeed."""
    if isinstance(error, IntegrityError):
        return True
    return getattr(error.orig, "sqlstate", None) in _CONFLICT_STATES
