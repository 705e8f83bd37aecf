"""SQL helpers that read the same on SQLite and PostgreSQL."""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import cast

import orjson
from sqlalchemy import BigInteger, Boolean, Float, Integer, String, Table, bindparam, case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

# Both dialects' INSERT has on_conflict_do_nothing/do_update and `excluded`; the generic Insert has none of them.
_INSERTS: dict[str, Callable[[Table], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


def insert_ignoring_conflicts(
    session: Session, table: Table, rows: list[dict], conflict_columns: list[str], returning=None
) -> list:
    """INSERT ... ON CONFLICT DO NOTHING for many rows; return the `returning` values of the rows inserted."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    stmt = _INSERTS[dialect](table).on_conflict_do_nothing(index_elements=conflict_columns)
    if returning is None:
        session.execute(stmt, rows)
        return []
    return list(session.scalars(stmt.returning(returning), rows))


def rowcount(result: Result) -> int:
    """The rows an UPDATE, DELETE or INSERT without RETURNING matched.

    Session.execute returns a CursorResult for such a statement, but is typed to return any Result.
    """
    return cast(CursorResult, result).rowcount


# Unique or foreign-key violations from a concurrent insert, deadlocks, serialization failures. As an
# IntegrityError, a row refused by the default partition of events because that month's partition
# was attached while the row waited is retried too, and then lands in the new partition.
_CONFLICT_STATES = {"23505", "23503", "40P01", "40001"}


def is_write_conflict(error: DBAPIError) -> bool:
    """Whether a database error came from concurrent writers, so retrying the transaction will succeed."""
    if isinstance(error, IntegrityError):
        return True
    return getattr(error.orig, "sqlstate", None) in _CONFLICT_STATES


class day_of(FunctionElement):
    """Whole days since 1970-01-01 UTC of a timestamp column, as an integer (see models.usage)."""

    type = Integer()
    inherit_cache = True


@compiles(day_of, "sqlite")
def _day_of_sqlite(element, compiler, **kw):
    return f"(CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER) / 86400)"


@compiles(day_of, "postgresql")
def _day_of_postgresql(element, compiler, **kw):
    return f"CAST(floor(extract(epoch FROM {compiler.process(element.clauses, **kw)}) / 86400) AS INTEGER)"


def day_number(moment: datetime) -> int:
    """The same day number in Python, for an aware datetime."""
    return int(moment.timestamp() // 86400)


def upsert_adding(
    session: Session, table: Table, rows: list[dict], key: list[str], added: list[str], earliest: Sequence[str] = ()
) -> None:
    """Insert rows, or add their `added` counts to the stored row with the same key (and keep the earliest times).

    The rows are written in key order, so concurrent writers lock the same rows in the same order.
    """
    if not rows:
        return
    rows = sorted(rows, key=lambda r: tuple(r[k] for k in key))
    stmt = _INSERTS[session.get_bind().dialect.name](table)
    new = stmt.excluded
    changes = {c: table.c[c] + new[c] for c in added}
    for c in earliest:
        old = table.c[c]
        changes[c] = case((old.is_(None), new[c]), (new[c].is_(None), old), (new[c] < old, new[c]), else_=old)
    session.execute(stmt.values(rows).on_conflict_do_update(index_elements=key, set_=changes))


class json_number(FunctionElement):
    """document[key] as a float when it is a JSON number, else NULL (an edited question may hold older answers)."""

    type = Float()
    inherit_cache = True


@compiles(json_number, "sqlite")
def _number_sqlite(element, compiler, **kw):
    document, key = (compiler.process(c, **kw) for c in element.clauses)
    path = f"'$.\"' || {key} || '\"'"
    return f"(CASE WHEN json_type({document}, {path}) IN ('integer', 'real') THEN json_extract({document}, {path}) END)"


@compiles(json_number, "postgresql")
def _number_postgresql(element, compiler, **kw):
    document, key = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CASE WHEN jsonb_typeof({document} -> {key}) = 'number' THEN CAST({document} ->> {key} AS FLOAT) END)"


class json_holds_text(FunctionElement):
    """Whether document[key] is the given text, or an array holding it (a choice id among those picked)."""

    type = Boolean()
    inherit_cache = True


@compiles(json_holds_text, "sqlite")
def _holds_text_sqlite(element, compiler, **kw):
    document, key, value = (compiler.process(c, **kw) for c in element.clauses)
    path = f"'$.\"' || {key} || '\"'"
    found = f"item.type = 'text' AND item.value = {value}"
    return f"EXISTS (SELECT 1 FROM json_each({document}, {path}) AS item WHERE {found})"


@compiles(json_holds_text, "postgresql")
def _holds_text_postgresql(element, compiler, **kw):
    document, key, value = (compiler.process(c, **kw) for c in element.clauses)
    return f"(({document} -> {key}) @> to_jsonb(CAST({value} AS TEXT)))"


class _week_start(FunctionElement):
    type, inherit_cache = String(), True


class _month_start(FunctionElement):
    type, inherit_cache = String(), True


# The first day (UTC) of a timestamp's week (Monday) or month, as 'YYYY-MM-DD'.
PERIOD_STARTS = {"week": _week_start, "month": _month_start}
# SQLite keeps UTC timestamps as text; '-6 days' then 'weekday 1' lands on the Monday on or before the day.
_PERIOD_SQL = {
    ("sqlite", "week"): "date({}, '-6 days', 'weekday 1')",
    ("sqlite", "month"): "date({}, 'start of month')",
    ("postgresql", "week"): "to_char(date_trunc('week', {} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')",
    ("postgresql", "month"): "to_char(date_trunc('month', {} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')",
}


@compiles(_week_start)
@compiles(_month_start)
def _period_start(element, compiler, **kw):
    period = "week" if isinstance(element, _week_start) else "month"
    return _PERIOD_SQL[compiler.dialect.name, period].format(compiler.process(element.clauses, **kw))


class _ListParam(TypeDecorator):
    """A list bound as one parameter: an array on PostgreSQL, JSON text on SQLite (read with json_each)."""

    impl = String
    cache_ok = True

    def __init__(self, item_type):
        super().__init__()
        self.item_type = item_type

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(self.item_type))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value, dialect):
        if dialect.name == "postgresql":
            return list(value)
        return orjson.dumps(list(value)).decode()


class one_of(FunctionElement):
    """`column IN (values)` with the values as one parameter, however many there are: no statement with
    thousands of parameters to build, send and parse (ingest looks up thousands of people at a time)."""

    type = Boolean()
    inherit_cache = True


def member_of(column, values, item_type=BigInteger) -> one_of:
    return one_of(column, bindparam(None, list(values), type_=_ListParam(item_type)))


@compiles(one_of, "postgresql")
def _one_of_postgresql(element, compiler, **kw):
    column, values = list(element.clauses)
    return f"{compiler.process(column, **kw)} IN (SELECT unnest({compiler.process(values, **kw)}))"


@compiles(one_of, "sqlite")
def _one_of_sqlite(element, compiler, **kw):
    column, values = list(element.clauses)
    return f"{compiler.process(column, **kw)} IN (SELECT value FROM json_each({compiler.process(values, **kw)}))"
