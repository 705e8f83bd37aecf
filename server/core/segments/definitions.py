"""Segments: named rules over a project's people, kept per project, and the two evaluators of rules.

`matches` judges one person in Python (targeting at request time); `count_matching` and
`matching_person_ids` judge all the project's people in one SQL statement. They must agree, so both
read a value the same way: it has a kind (string, number, boolean, array, object, or missing when
absent or null); eq needs the same kind, numbers compare as floats, contains is case-sensitive, and a
missing value fails every test except neq, not_in and not_exists.
"""

import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from ...errors import Conflict, Unprocessable
from ...models import Account, Event, Feature, Person, Segment, Survey
from ...models.base import utcnow
from ...schemas.segments import ACCOUNT_COLUMNS
from ..journey import stages as journey
from ..storage.keyed import commit_keyed, get_keyed, list_keyed

# Applied to Python values and to SQL expressions alike (where they build a condition).
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
_NEGATED = {"neq": "eq", "not_in": "in", "not_exists": "exists"}
_COUNTS = ("event_count", "feature_count")


# --- CRUD ---------------------------------------------------------------------------------------


def list_segments(session: Session, project_id: int) -> list[Segment]:
    """A project's segments, by key."""
    return list_keyed(session, Segment, project_id)


def get_segment(session: Session, project_id: int, key: str) -> Segment:
    """One segment of the project, or NotFound."""
    return get_keyed(session, Segment, project_id, key)


def create_segment(session: Session, project_id: int, data: dict) -> Segment:
    """Add a segment; its key must be new in the project and its features must exist."""
    _check_features(session, project_id, data["rules"])
    segment = Segment(project_id=project_id, **data)
    session.add(segment)
    commit_keyed(session, Segment, project_id, data["key"])
    return segment


def update_segment(session: Session, project_id: int, key: str, changes: dict) -> Segment:
    """Change a segment's name and/or rules."""
    segment = get_segment(session, project_id, key)
    if "rules" in changes:
        _check_features(session, project_id, changes["rules"])
    for field, value in changes.items():
        setattr(segment, field, value)
    commit_keyed(session, Segment, project_id, key)
    return segment


def delete_segment(session: Session, project_id: int, key: str) -> None:
    """Remove a segment no survey targets (deleting a targeted one would open its surveys to everyone)."""
    segment = get_segment(session, project_id, key)
    users = session.scalars(
        select(Survey.name).where(Survey.project_id == project_id, Survey.segment_id == segment.id)
    ).all()
    if users:
        raise Conflict(f"Surveys target segment {key!r}: {', '.join(users)}. Retarget them first.")
    session.delete(segment)
    commit_keyed(session, Segment, project_id, key)


def count_segment(session: Session, project_id: int, segment: Segment) -> int:
    """How many of the project's people the segment matches now."""
    return count_matching(session, project_id, segment.rules)


def _check_features(session: Session, project_id: int, rules: dict) -> None:
    wanted = [(path, c["feature"]) for path, c in _conditions(rules) if c["field"] == "feature_count"]
    if not wanted:
        return
    known = set(
        session.scalars(
            select(Feature.key).where(Feature.project_id == project_id, Feature.key.in_({key for _, key in wanted}))
        )
    )
    errors: dict = {}
    for path, key in wanted:
        if key not in known:
            _put(errors, (*path, "feature"), [f"No feature with key {key!r} in this project."])
    if errors:
        raise Unprocessable(errors={"rules": errors})


def _conditions(group: dict, path: tuple = ()) -> Iterator[tuple[tuple, dict]]:
    """Every condition of a rules tree with its path, e.g. ("conditions", 1, "conditions", 0)."""
    for i, entry in enumerate(group["conditions"]):
        at = (*path, "conditions", i)
        if "field" in entry:
            yield at, entry
        else:
            yield from _conditions(entry, at)


def _put(tree: dict, path: tuple, leaf) -> None:
    for step in path[:-1]:
        tree = tree.setdefault(step, {})
    tree[path[-1]] = leaf


# --- what both evaluators share -------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    project_id: int
    now: datetime


def _usage(condition: dict, ctx: _Context) -> ColumnElement[bool]:
    """The events an event_count or feature_count condition counts (tracked within its window)."""
    window = and_(
        Event.project_id == ctx.project_id,
        Event.type == "track",
        Event.timestamp <= ctx.now,
        Event.timestamp >= ctx.now - timedelta(days=condition["within_days"]),
    )
    if condition["field"] == "event_count":
        return and_(window, Event.name == condition["event"])
    key = condition["feature"]
    used = and_(Event.name == "feature_used", _sql_test("eq", _json_value(Event.properties, "feature"), key))
    # The feature's own event, read in the same statement (NULL, so no match, when it has none).
    event = select(Feature.event).where(Feature.project_id == ctx.project_id, Feature.key == key).scalar_subquery()
    return and_(window, or_(used, Event.name == event))


def _kind(value) -> str:
    """The kind of a value for segment rules: string, number, boolean, array, object, or missing."""
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _plain(value):
    return float(value) if _kind(value) == "number" else value


# --- one person, in Python ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    session: Session
    ctx: _Context
    person: Person
    account: Account | None


def matches(session: Session, project_id: int, person_id: int, rules: dict, now: datetime | None = None) -> bool:
    """Whether one person of the project matches the rules (agrees with matching_person_ids)."""
    row = session.execute(
        select(Person, Account)
        .outerjoin(Account, Person.account_id == Account.id)
        .where(Person.project_id == project_id, Person.id == person_id)
    ).first()
    if row is None:
        return False
    return _py_group(rules, _Facts(session, _Context(project_id, now or utcnow()), *row))


def _py_group(group: dict, facts: _Facts) -> bool:
    if not group["conditions"]:
        return True
    results = (_py_condition(c, facts) if "field" in c else _py_group(c, facts) for c in group["conditions"])
    return all(results) if group["match"] == "all" else any(results)


def _py_condition(condition: dict, facts: _Facts) -> bool:
    field, op, value = condition["field"], condition["op"], condition.get("value")
    if field == "days_since_first_seen":
        return _COMPARE[op]((facts.ctx.now - facts.person.first_seen).days, value)
    if field in _COUNTS:
        used = facts.session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.person_id == facts.person.id, _usage(condition, facts.ctx))
        )
        return _COMPARE[op](used, value)
    return _py_test(op, _py_value(condition, facts), value)


def _py_value(condition: dict, facts: _Facts):
    if condition["field"] == "trait":
        return (facts.person.traits or {}).get(condition["key"])
    if condition["field"] == "stage":
        return facts.person.stage
    if facts.account is None:
        return None
    if condition["key"] in ACCOUNT_COLUMNS:
        return getattr(facts.account, condition["key"])
    return (facts.account.traits or {}).get(condition["key"])


def _py_test(op: str, value, target) -> bool:
    if op in _NEGATED:
        return not _py_test(_NEGATED[op], value, target)
    kind = _kind(value)
    if op == "exists":
        return kind != "missing"
    if op == "in":
        return any(_py_test("eq", value, t) for t in target)
    if op == "contains":
        return kind == "string" and target in value
    if op == "eq":
        return kind == _kind(target) and _plain(value) == _plain(target)
    return kind == "number" and _COMPARE[op](float(value), float(target))


# --- all people, in one SQL statement ---------------------------------------------------------------


def count_matching(session: Session, project_id: int, rules: dict, now: datetime | None = None) -> int:
    """How many of the project's people match the rules, in one SQL statement."""
    return session.scalar(_matching(select(func.count()), project_id, rules, now))


def matching_person_ids(session: Session, project_id: int, rules: dict, now: datetime | None = None) -> list[int]:
    """The ids of the project's people who match the rules, in one SQL statement, by id."""
    return list(session.scalars(_matching(select(Person.id), project_id, rules, now).order_by(Person.id)))


def person_ids_statement(project_id: int, rules: dict, now: datetime | None = None):
    """A SELECT of the matching people's ids, to use as `IN (...)` in other statements."""
    return _matching(select(Person.id), project_id, rules, now)


def _matching(stmt, project_id: int, rules: dict, now: datetime | None):
    return (
        stmt.select_from(Person)
        .outerjoin(Account, Person.account_id == Account.id)
        .where(Person.project_id == project_id, _sql_group(rules, _Context(project_id, now or utcnow())))
    )


def _sql_group(group: dict, ctx: _Context) -> ColumnElement[bool]:
    parts = [_sql_condition(c, ctx) if "field" in c else _sql_group(c, ctx) for c in group["conditions"]]
    if not parts:
        return true()
    return and_(*parts) if group["match"] == "all" else or_(*parts)


def _sql_condition(condition: dict, ctx: _Context) -> ColumnElement[bool]:
    field, op, value = condition["field"], condition["op"], condition.get("value")
    if field == "days_since_first_seen":
        assert value is not None  # DaysCondition requires a whole number with every op
        return _days_since(op, value, ctx.now)
    if field in _COUNTS:
        used = (
            select(func.count())
            .select_from(Event)
            .where(Event.person_id == Person.id, _usage(condition, ctx))
            .scalar_subquery()
        )
        return _COMPARE[op](used, value)
    return _sql_test(op, _sql_value(condition), value)


def _days_since(op: str, days: int, now: datetime) -> ColumnElement[bool]:
    # Whole days since first seen is at least `low` and fewer than `high`: compare timestamps, not dates.
    low, high = {
        "gte": (days, None),
        "gt": (days + 1, None),
        "lt": (None, days),
        "lte": (None, days + 1),
        "eq": (days, days + 1),
    }[op]
    parts = []
    if low is not None:
        parts.append(Person.first_seen <= now - timedelta(days=low))
    if high is not None:
        parts.append(Person.first_seen > now - timedelta(days=high))
    return and_(*parts)


@dataclass(frozen=True)
class _SqlValue:
    """A value in SQL: its kind (NULL when absent or null) and its expression as each kind it may have."""

    kind: ColumnElement[str]
    as_kind: dict[str, ColumnElement]


def _json_value(document, key: str) -> _SqlValue:
    element = document[key]
    return _SqlValue(
        _json_kind(document, literal(key, String)),
        {"string": element.as_string(), "number": element.as_float(), "boolean": element.as_boolean()},
    )


def _column_value(column, kind: str) -> _SqlValue:
    return _SqlValue(case((column.is_not(None), kind)), {kind: cast(column, Float) if kind == "number" else column})


def _sql_value(condition: dict) -> _SqlValue:
    if condition["field"] == "trait":
        return _json_value(Person.traits, condition["key"])
    if condition["field"] == "stage":
        return _column_value(journey.stage_expression(), "string")
    if condition["key"] in ACCOUNT_COLUMNS:
        column = getattr(Account, condition["key"])
        return _column_value(column, "number" if condition["key"] == "mrr" else "string")
    return _json_value(Account.traits, condition["key"])


def _sql_test(op: str, value: _SqlValue, target) -> ColumnElement[bool]:
    """The SQL twin of _py_test; never NULL (a test on another kind is false), so NOT gives the negation."""
    if op in _NEGATED:
        return not_(_sql_test(_NEGATED[op], value, target))
    if op == "exists":
        return value.kind.is_not(None)
    if op == "in":
        return or_(*(_sql_test("eq", value, t) for t in target))
    if op == "contains":
        return _sql_is(value, "string", lambda text: _contains(text, literal(target, String)))
    if op == "eq":
        return _sql_is(value, _kind(target), lambda v: v == _plain(target))
    return _sql_is(value, "number", lambda number: _COMPARE[op](number, float(target)))


def _sql_is(value: _SqlValue, kind: str, test) -> ColumnElement[bool]:
    expression = value.as_kind.get(kind)
    if expression is None:
        return false()
    # CASE rather than AND: never NULL, and PostgreSQL may run a cast beside an AND before the kind test.
    return case((value.kind == kind, test(expression)), else_=false())


class _json_kind(FunctionElement):
    """The JSON type of document[key]: string, number, boolean, array or object; NULL when absent or null."""

    type = String()
    inherit_cache = True


@compiles(_json_kind, "sqlite")
def _json_kind_sqlite(element, compiler, **kw):
    document, key = (compiler.process(c, **kw) for c in element.clauses)
    kinds = {
        "integer": "number",
        "real": "number",
        "text": "string",
        "true": "boolean",
        "false": "boolean",
        "array": "array",
        "object": "object",
    }
    whens = " ".join(f"WHEN '{t}' THEN '{k}'" for t, k in kinds.items())
    return f"CASE json_type({document}, '$.\"' || {key} || '\"') {whens} END"


@compiles(_json_kind, "postgresql")
def _json_kind_postgresql(element, compiler, **kw):
    document, key = (compiler.process(c, **kw) for c in element.clauses)
    return f"NULLIF(jsonb_typeof({document} -> {key}), 'null')"


class _contains(FunctionElement):
    """Whether a text holds a substring, case-sensitively on every backend (unlike LIKE on SQLite)."""

    type = Boolean()
    inherit_cache = True


@compiles(_contains, "sqlite")
def _contains_sqlite(element, compiler, **kw):
    text, part = (compiler.process(c, **kw) for c in element.clauses)
    return f"(instr({text}, {part}) > 0)"


@compiles(_contains, "postgresql")
def _contains_postgresql(element, compiler, **kw):
    text, part = (compiler.process(c, **kw) for c in element.clauses)
    return f"(strpos({text}, {part}) > 0)"
