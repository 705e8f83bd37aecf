"""The writer's set-based store: a chunk's messages of one project become people, events, rollups,
journey stages and survey rows, in a few statements each, inside the writer's transaction."""

from datetime import datetime

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...models import Event, EventId
from ..journey import stages as journey
from ..storage.sql import insert_ignoring_conflicts
from . import nudges, people, population, responses, rollups

_EVENTS, _EVENT_IDS = Event.__table__, EventId.__table__


def store(session: Session, project_id: int, messages: list[dict]) -> set[str]:
    """Write messages (unique messageIds, timestamps and received_at as datetimes); return the messageIds
    stored now. Messages whose messageId was stored before change nothing, so a redelivery is harmless."""
    for m in messages:
        if m["type"] == "alias":  # previousId now belongs to userId: resolved as an anonymous id would be
            m["anonymousId"] = m["previousId"]
    person_ids = people.resolve_people(session, project_id, messages)
    inserted = _insert_events(session, project_id, messages, person_ids)
    _apply_effects(session, project_id, messages, person_ids, inserted)
    return inserted


# On PostgreSQL the rows travel as one JSON document: one fixed statement, planned once, instead of
# a multi-row VALUES list with hundreds of parameters that is parsed and planned on every batch.
# A messageId is claimed in event_ids first; only the rows that claimed theirs now are stored in
# the (partitioned) events table, so a retry changes nothing.
_PG_INSERT_EVENTS = text("""
    WITH r AS (
        SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb))
            AS r(message_id text, person_id bigint, type text, name text, properties jsonb, context jsonb,
                 timestamp timestamptz, received_at timestamptz)
    ), fresh AS (
        INSERT INTO event_ids (project_id, message_id, timestamp)
        SELECT :project_id, r.message_id, r.timestamp FROM r
        ON CONFLICT (project_id, message_id) DO NOTHING
        RETURNING message_id
    )
    INSERT INTO events (project_id, message_id, person_id, type, name, properties, context, timestamp, received_at)
    SELECT :project_id, r.message_id, r.person_id, r.type, r.name, r.properties, r.context, r.timestamp,
           r.received_at
    FROM r JOIN fresh ON fresh.message_id = r.message_id
    RETURNING message_id
""")


def _insert_events(session, project_id, messages, person_ids) -> set[str]:
    """Insert the events whose messageIds are not stored yet; return the messageIds inserted now."""
    rows = [_event_row(m, p) for m, p in zip(messages, person_ids, strict=True)]
    if session.get_bind().dialect.name == "postgresql":
        result = session.execute(
            _PG_INSERT_EVENTS,
            {"project_id": project_id, "rows": orjson.dumps(rows).decode()},
        )
        return set(result.scalars())
    claimed = set(
        insert_ignoring_conflicts(
            session,
            _EVENT_IDS,
            [{"project_id": project_id, "message_id": r["message_id"], "timestamp": r["timestamp"]} for r in rows],
            ["project_id", "message_id"],
            returning=_EVENT_IDS.c.message_id,
        )
    )
    fresh = [{**row, "project_id": project_id} for row in rows if row["message_id"] in claimed]
    if fresh:
        session.execute(_EVENTS.insert(), fresh)
    return claimed


def _event_row(m: dict, person_id: int) -> dict:
    kind = m["type"]
    if kind == "track":
        name, properties = m["event"], m["properties"]
    elif kind in ("page", "screen"):
        path = m["properties"].get("path")
        name = (path if isinstance(path, str) else m["name"] or "")[:200] or None
        properties = {**m["properties"], "name": m["name"]} if m["name"] else m["properties"]
    elif kind == "identify":
        name, properties = None, m["traits"]
    elif kind == "group":
        name, properties = m["groupId"], m["traits"]
    elif kind == "alias":
        name, properties = m["previousId"], {}
    elif kind == "nudge":
        name, properties = m["action"], {k: m[k] for k in ("nudgeId", "step") if m[k] is not None}
    else:
        name = m["action"]
        properties = {k: m[k] for k in ("surveyId", "displayId", "answers", "completed", "locale") if m[k] is not None}
    return {
        "message_id": m["messageId"],
        "person_id": person_id,
        "type": kind,
        "name": name,
        "properties": properties,
        "context": m["context"],
        "timestamp": m["timestamp"],
        "received_at": m["received_at"],
    }


def _apply_effects(session, project_id, messages, person_ids, inserted: set) -> None:
    """Seen times for everyone; traits and accounts only from messages stored now (a retry changes nothing)."""
    seen: dict[int, tuple[datetime, datetime]] = {}
    traits: dict[int, list[dict]] = {}
    groups: list[tuple[int, str, dict]] = []
    surveys: list[tuple[int, dict]] = []
    nudge_messages: list[tuple[int, dict]] = []
    for m, person in zip(messages, person_ids, strict=True):
        ts = m["timestamp"]
        lo, hi = seen.get(person, (ts, ts))
        seen[person] = (min(lo, ts), max(hi, ts))
        if m["messageId"] not in inserted:
            continue
        if m["type"] == "identify" and m["traits"]:
            traits.setdefault(person, []).append(m["traits"])
        elif m["type"] == "group":
            groups.append((person, m["groupId"], m["traits"]))
        elif m["type"] == "survey":
            surveys.append((person, m))
        elif m["type"] == "nudge":
            nudge_messages.append((person, m))
    stored = [(p, m) for m, p in zip(messages, person_ids, strict=True) if m["messageId"] in inserted]
    features = rollups.project_features(session, project_id)
    people.touch_people(session, seen, population.first_in_product(session, project_id, features, stored))
    people.apply_traits(session, traits)
    people.apply_groups(session, project_id, groups)
    used = rollups.record(session, project_id, features, stored)
    population.mark_robots(session, project_id, features, stored)
    journey.advance(session, project_id, features, used, stored)
    responses.record(session, project_id, surveys)
    nudges.record(session, project_id, nudge_messages)
