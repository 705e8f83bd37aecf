"""What an export reads: its columns, one SELECT per dataset, and the rows in id order, a chunk at a time.

Values leave the database ready to write: timestamps already formatted as UTC ISO 8601 text and JSON
documents as their text, so no row is parsed back into Python objects on the way out.
"""

from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Engine, Row, Select, String, Text, cast, func, select, union
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from ...models import Event, Person, PersonAlias, Response, Survey

_EVENTS, _PEOPLE, _ALIASES = Event.__table__, Person.__table__, PersonAlias.__table__
_RESPONSES, _SURVEYS = Response.__table__, Survey.__table__


@dataclass(frozen=True)
class Column:
    """An exported column: its name, its kind (int, text, float, bool, time, json) and what it holds."""

    name: str
    kind: str
    doc: str


@dataclass(frozen=True)
class Filters:
    """Which rows an export holds: the project's, after id `after`, at most `limit` of them, and the filters."""

    project_id: int
    since: datetime | None = None
    until: datetime | None = None
    person: str | None = None
    event: str | None = None
    survey_id: int | None = None
    after: int = 0
    limit: int | None = None


EVENT_COLUMNS = (
    Column("id", "int", "the event's id; rows come in id order (resume with after=<id>)"),
    Column("message_id", "text", "the sender's messageId"),
    Column("type", "text", "track, identify, group, page, screen, alias or survey"),
    Column(
        "name",
        "text",
        "the event name (track), path or screen (page, screen), group id (group), previous id (alias) "
        "or action (survey)",
    ),
    Column("person_id", "int", "the person the event belongs to"),
    Column("user_id", "text", "that person's user id now (empty while anonymous)"),
    Column("timestamp", "time", "when it happened (the client's time corrected for clock skew)"),
    Column("received_at", "time", "when the server received it"),
    Column("properties", "json", "the event's properties, a JSON object"),
    Column("context", "json", "the sender's context (library, locale, page…), a JSON object or empty"),
)

RESPONSE_COLUMNS = (
    Column("id", "int", "the response's id; rows come in id order (resume with after=<id>)"),
    Column("survey_id", "int", "the survey answered"),
    Column("survey_name", "text", "its name"),
    Column("kind", "text", "its kind: welcome, nps, csat or custom"),
    Column("person_id", "int", "who answered"),
    Column("user_id", "text", "that person's user id now (empty while anonymous)"),
    Column("display_id", "text", "the display the answers were given in"),
    Column("stage", "text", "the person's journey stage when the survey was shown"),
    Column("score", "float", "the answer to the survey's first NPS or rating question"),
    Column("completed", "bool", "whether the person finished the survey"),
    Column("locale", "text", "the locale the survey was shown in"),
    Column("answers", "json", "every answer by question id, a JSON object"),
    Column("created_at", "time", "when the first answer was given"),
    Column("updated_at", "time", "when the last answer was given"),
)


class iso_utc(FunctionElement):
    """A stored timestamp as text: UTC ISO 8601 with microseconds, e.g. 2026-11-23T10:00:00.000000Z."""

    type = String()
    inherit_cache = True


@compiles(iso_utc, "postgresql")
def _iso_utc_postgresql(element, compiler, **kw):
    value = compiler.process(element.clauses, **kw)
    return f"""to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


@compiles(iso_utc, "sqlite")
def _iso_utc_sqlite(element, compiler, **kw):
    # SQLite holds UTC as 'YYYY-MM-DD HH:MM:SS.ffffff' (see db.UTCDateTime).
    return f"(replace({compiler.process(element.clauses, **kw)}, ' ', 'T') || 'Z')"


def _json_text(column):
    """A JSON document as its text; a JSON null (an absent context) as SQL NULL."""
    return func.nullif(cast(column, Text), "null")


def events_select(f: Filters) -> Select:
    """The project's events matching the filters, in id order."""
    e, p = _EVENTS.c, _PEOPLE.c
    stmt = (
        select(
            e.id,
            e.message_id,
            e.type,
            e.name,
            e.person_id,
            p.user_id,
            iso_utc(e.timestamp),
            iso_utc(e.received_at),
            _json_text(e.properties),
            _json_text(e.context),
        )
        .select_from(_EVENTS.join(_PEOPLE, p.id == e.person_id))
        .where(e.project_id == f.project_id, e.id > f.after)
    )
    if f.event is not None:
        stmt = stmt.where(e.name == f.event)
    return _common(stmt, f, _EVENTS, e.timestamp)


def responses_select(f: Filters) -> Select:
    """The project's survey responses matching the filters, in id order."""
    r, s, p = _RESPONSES.c, _SURVEYS.c, _PEOPLE.c
    stmt = (
        select(
            r.id,
            r.survey_id,
            s.name,
            s.kind,
            r.person_id,
            p.user_id,
            r.display_id,
            r.stage,
            r.score,
            r.completed,
            r.locale,
            _json_text(r.answers),
            iso_utc(r.created_at),
            iso_utc(r.updated_at),
        )
        .select_from(_RESPONSES.join(_SURVEYS, s.id == r.survey_id).join(_PEOPLE, p.id == r.person_id))
        .where(r.project_id == f.project_id, r.id > f.after)
    )
    if f.survey_id is not None:
        stmt = stmt.where(r.survey_id == f.survey_id)
    return _common(stmt, f, _RESPONSES, r.created_at)


def _common(stmt: Select, f: Filters, table, at) -> Select:
    """The window (since inclusive, until exclusive), the person, id order and the limit."""
    if f.since is not None:
        stmt = stmt.where(at >= f.since)
    if f.until is not None:
        stmt = stmt.where(at < f.until)
    if f.person is not None:
        stmt = stmt.where(table.c.person_id.in_(_people_known_as(f.project_id, f.person)))
    stmt = stmt.order_by(table.c.id)
    return stmt if f.limit is None else stmt.limit(f.limit)


def _people_known_as(project_id: int, person: str):
    """The person whose user id is `person`, and the one whose anonymous id it is (usually the same)."""
    return union(
        select(_PEOPLE.c.id).where(_PEOPLE.c.project_id == project_id, _PEOPLE.c.user_id == person),
        select(_ALIASES.c.person_id).where(_ALIASES.c.project_id == project_id, _ALIASES.c.anonymous_id == person),
    )


def count(session: Session, stmt: Select) -> int:
    """How many rows `stmt` gives."""
    return session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()


def chunks(engine: Engine, build, f: Filters, size: int) -> Generator[Sequence[Row], None, None]:
    """The rows of build(f) in lists of at most `size`, holding about one list in memory at a time.

    The export reads through a session of its own, open exactly as long as the stream: the request's
    session is removed when the view returns, long before a streamed body ends. PostgreSQL streams
    the rows from a server-side cursor in one read transaction. SQLite reads each chunk in its own
    short transaction, after the last id of the previous one, so a long export never keeps the WAL
    from being checkpointed. The first column of every row is its id.
    """
    with Session(engine) as session:
        if engine.dialect.name == "postgresql":
            result = session.execute(build(f), execution_options={"yield_per": size})
            try:
                yield from result.partitions()
            finally:
                result.close()
        else:
            yield from _by_id(session, build, f, size)


def _by_id(session: Session, build, f: Filters, size: int) -> Iterator[Sequence[Row]]:
    left = f.limit
    while left is None or left > 0:
        want = size if left is None else min(size, left)
        rows = session.execute(build(replace(f, limit=want))).all()
        session.commit()
        if rows:
            yield rows
        if len(rows) < want:
            return
        f = replace(f, after=rows[-1][0])
        left = None if left is None else left - len(rows)
