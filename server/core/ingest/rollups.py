"""Usage rollups: per person × feature × day and per person × day, kept inside the ingest transaction.

Only messages stored now are counted, so a retried batch changes nothing. `rebuild` recomputes the
same rows from raw events with one INSERT … SELECT per table; a test holds the two to equality.
"""

from dataclasses import dataclass, field
from datetime import datetime

import orjson
from sqlalchemy import and_, case, delete, func, insert, literal, or_, select, text
from sqlalchemy.orm import Session

from ...models import Activity, Event, Feature, FeatureUsage, Project
from ..storage.sql import day_number, day_of, upsert_adding

USED, SEEN = "feature_used", "feature_seen"
_USAGE, _ACTIVITY = FeatureUsage.__table__, Activity.__table__


# The messages that make someone active on a day: what a person does in the product. identify, group and
# alias calls only describe people (a nightly CRM sync identifies everyone), so they never make anyone active.
ACTIVE_TYPES = ("track", "page", "screen", "survey", "nudge")


@dataclass(frozen=True)
class ProjectFeatures:
    """The project's features as ingest needs them (by key, by mapped event, journey flags), and its
    journey rules as stored (settings.journey_rules fills in the defaults)."""

    by_key: dict[str, int] = field(default_factory=dict)
    by_event: dict[str, list[int]] = field(default_factory=dict)
    core: frozenset[int] = frozenset()
    aha: frozenset[int] = frozenset()
    stored_rules: dict | None = None


def project_features(session: Session, project_id: int) -> ProjectFeatures:
    """Read the project's features and journey rules in one query, once per batch (they are a few rows)."""
    rows = session.execute(
        select(Project.journey_rules, Feature.id, Feature.key, Feature.event, Feature.core, Feature.aha)
        .outerjoin(Feature, Feature.project_id == Project.id)
        .where(Project.id == project_id)
    ).all()
    rules = rows[0].journey_rules if rows else None
    rows = [r for r in rows if r.id is not None]
    by_event: dict[str, list[int]] = {}
    for r in rows:
        if r.event:
            by_event.setdefault(r.event, []).append(r.id)
    return ProjectFeatures(
        {r.key: r.id for r in rows},
        by_event,
        frozenset(r.id for r in rows if r.core),
        frozenset(r.id for r in rows if r.aha),
        rules or {},
    )


def record(session: Session, project_id: int, features: ProjectFeatures, stored: list[tuple[int, dict]]) -> set[int]:
    """Add the stored messages (person id, message) to the rollups; return who used a core or aha feature now."""
    usage: dict[tuple[int, int, int], list] = {}
    activity: dict[tuple[int, int], int] = {}
    for person, m in stored:
        at: datetime = m["timestamp"]
        day = day_number(at)
        if m["type"] in ACTIVE_TYPES:
            activity[person, day] = activity.get((person, day), 0) + 1
        if m["type"] == "track":
            for feature, column in feature_uses(features, m):
                row = usage.setdefault((person, feature, day), [0, 0, 0, None])
                row[column] += 1
                if column != 1 and (row[3] is None or at < row[3]):
                    row[3] = at
    usage_rows = [
        {"person_id": p, "feature_id": f, "day": d, "used": u, "seen": s, "events": e, "first_used_at": first}
        for (p, f, d), (u, s, e, first) in usage.items()
    ]
    activity_rows = [{"person_id": p, "day": d, "events": n} for (p, d), n in activity.items()]
    if session.get_bind().dialect.name == "postgresql":
        for statement, rows in ((_PG_USAGE, usage_rows), (_PG_ACTIVITY, activity_rows)):
            if rows:
                session.execute(statement, {"project_id": project_id, "rows": _json_rows(rows)})
    else:
        upsert_adding(
            session,
            _USAGE,
            [{"project_id": project_id, **r} for r in usage_rows],
            ["project_id", "person_id", "feature_id", "day"],
            ["used", "seen", "events"],
            ["first_used_at"],
        )
        upsert_adding(
            session,
            _ACTIVITY,
            [{"project_id": project_id, **r} for r in activity_rows],
            ["project_id", "person_id", "day"],
            ["events"],
        )
    journey = features.core | features.aha
    return {p for (p, f, _), row in usage.items() if row[3] is not None and f in journey}


# On PostgreSQL each table gets one fixed statement fed a JSON document, planned once (as events are).
# Rows are sorted so that concurrent batches lock the same rollup rows in the same order.
_PG_USAGE = text("""
    INSERT INTO feature_usage (project_id, person_id, feature_id, day, used, seen, events, first_used_at)
    SELECT :project_id, r.person_id, r.feature_id, r.day, r.used, r.seen, r.events, r.first_used_at
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(person_id bigint, feature_id int, day int, used int, seen int,
                                                      events int, first_used_at timestamptz)
    ORDER BY r.person_id, r.feature_id, r.day
    ON CONFLICT (project_id, person_id, feature_id, day) DO UPDATE SET
        used = feature_usage.used + excluded.used, seen = feature_usage.seen + excluded.seen,
        events = feature_usage.events + excluded.events,
        first_used_at = LEAST(feature_usage.first_used_at, excluded.first_used_at)
""")
_PG_ACTIVITY = text("""
    INSERT INTO activity (project_id, person_id, day, events)
    SELECT :project_id, r.person_id, r.day, r.events
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(person_id bigint, day int, events int)
    ORDER BY r.person_id, r.day
    ON CONFLICT (project_id, person_id, day) DO UPDATE SET events = activity.events + excluded.events
""")


def _json_rows(rows: list[dict]) -> str:
    return orjson.dumps(rows).decode()


def feature_uses(features: ProjectFeatures, m: dict):
    """(feature id, column) pairs a track message adds to: 0 used, 1 seen, 2 mapped event."""
    event = m["event"]
    if event in (USED, SEEN):
        key = m["properties"].get("feature")
        feature = features.by_key.get(key) if isinstance(key, str) else None
        if feature is not None:
            yield feature, 0 if event == USED else 1
    for feature in features.by_event.get(event, ()):
        yield feature, 2


def rebuild(
    session: Session, project_id: int, person_ids: list[int] | None = None, feature_ids: list[int] | None = None
) -> None:
    """Recompute rollups from raw events: all of the project's, or only some people's or features'.

    The caller commits; activity is rebuilt unless only features were named.
    """
    usage_scope = [_USAGE.c.project_id == project_id]
    if person_ids is not None:
        usage_scope.append(_USAGE.c.person_id.in_(person_ids))
    if feature_ids is not None:
        usage_scope.append(_USAGE.c.feature_id.in_(feature_ids))
    session.execute(delete(_USAGE).where(*usage_scope))
    session.execute(
        insert(_USAGE).from_select(
            ["project_id", "person_id", "feature_id", "day", "used", "seen", "events", "first_used_at"],
            _usage_select(project_id, person_ids, feature_ids),
        )
    )
    if feature_ids is not None:
        return
    activity_scope = [_ACTIVITY.c.project_id == project_id]
    events_scope = [Event.project_id == project_id, Event.type.in_(ACTIVE_TYPES)]
    if person_ids is not None:
        activity_scope.append(_ACTIVITY.c.person_id.in_(person_ids))
        events_scope.append(Event.person_id.in_(person_ids))
    session.execute(delete(_ACTIVITY).where(*activity_scope))
    day = day_of(Event.timestamp)
    session.execute(
        insert(_ACTIVITY).from_select(
            ["project_id", "person_id", "day", "events"],
            select(literal(project_id), Event.person_id, day, func.count())
            .where(*events_scope)
            .group_by(Event.person_id, day),
        )
    )


def _usage_select(project_id: int, person_ids, feature_ids):
    """The twin of `record` in SQL: the same three counts and first use, from the events table."""
    key = Event.properties["feature"].as_string()
    tagged = and_(Event.name == USED, key == Feature.key)
    seen = and_(Event.name == SEEN, key == Feature.key)
    mapped = Event.name == Feature.event
    day = day_of(Event.timestamp)
    scope = [Event.project_id == project_id, Event.type == "track"]
    if person_ids is not None:
        scope.append(Event.person_id.in_(person_ids))
    if feature_ids is not None:
        scope.append(Feature.id.in_(feature_ids))

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    return (
        select(
            literal(project_id),
            Event.person_id,
            Feature.id,
            day,
            count(tagged),
            count(seen),
            count(mapped),
            func.min(case((or_(tagged, mapped), Event.timestamp))),
        )
        .select_from(Event)
        .join(Feature, and_(Feature.project_id == Event.project_id, or_(tagged, seen, mapped)))
        .where(*scope)
        .group_by(Event.person_id, Feature.id, day)
    )
