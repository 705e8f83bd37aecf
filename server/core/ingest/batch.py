"""Ingestion of /v1/batch: validate each message alone, dedupe, resolve people, write in bulk."""

from datetime import datetime

import orjson
from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import bindparam, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ...db import UTCDateTime, write_lock_options
from ...errors import BadRequest, PayloadTooLarge, StorageUnavailable
from ...models import Event, EventId
from ...schemas.batch import EnvelopeSchema, load_message
from ..journey import stages as journey
from ..projects.keys import ProjectRef
from ..storage.sql import insert_ignoring_conflicts, is_write_conflict
from . import people, responses, rollups

RETRIES = 3
_envelope_schema = EnvelopeSchema()
_EVENTS, _EVENT_IDS = Event.__table__, EventId.__table__


def parse_envelope(document) -> dict:
    """Check the batch envelope; a malformed one is refused whole (400)."""
    try:
        envelope = _envelope_schema.load(document)
    except ValidationError as error:
        raise BadRequest("The batch envelope is invalid.", errors=error.normalized_messages()) from error
    limit = current_app.config["MAX_BATCH_MESSAGES"]
    if len(envelope["batch"]) > limit:
        raise PayloadTooLarge(f"A batch holds at most {limit} messages; split it.")
    return envelope


def ingest_batch(session: Session, project: ProjectRef, envelope: dict, received_at: datetime) -> dict:
    """Store the good messages of a batch in one transaction; report duplicates and rejections by index."""
    messages, rejected = _validate(envelope["batch"], envelope["sentAt"], received_at)
    messages, repeated = _unique(messages)
    accepted = _store(session, project.id, messages, received_at) if messages else 0
    return {"accepted": accepted, "duplicates": len(messages) - accepted + repeated, "rejected": rejected}


def _store(session: Session, project_id: int, messages: list[dict], received_at: datetime) -> int:
    """Write the batch, retrying when a concurrent batch about the same people got in the way.

    A retry is safe: the transaction is rolled back whole and messageIds make the writes idempotent.
    """
    for attempt in range(1, RETRIES + 1):
        try:
            session.connection(execution_options=write_lock_options())
            person_ids = people.resolve_people(session, project_id, messages)
            inserted = _insert_events(session, project_id, messages, person_ids, received_at)
            _apply_effects(session, project_id, messages, person_ids, inserted)
            session.commit()
            return len(inserted)
        except DBAPIError as error:
            session.rollback()
            if not is_write_conflict(error):
                raise
            if attempt == RETRIES:
                raise StorageUnavailable("Concurrent writes about the same people conflicted; retry.") from error
    raise AssertionError("unreachable")


def _validate(raw_messages: list, sent_at: datetime | None, received_at: datetime):
    max_bytes = current_app.config["MAX_MESSAGE_BYTES"]
    messages, rejected = [], []
    for index, raw in enumerate(raw_messages):
        message_id = raw.get("messageId") if isinstance(raw, dict) else None
        try:
            encoded = _encode(raw)
            if len(encoded) > max_bytes:
                raise ValidationError(
                    f"The message is {len(encoded)} bytes; at most {max_bytes} are accepted.", "_schema"
                )
            if b"\\u0000" in encoded:
                raise ValidationError("Text may not contain NUL (\\u0000) characters.", "_schema")
            message = load_message(raw)
        except ValidationError as error:
            rejected.append(
                {
                    "index": index,
                    "messageId": message_id if isinstance(message_id, str) else None,
                    "errors": error.normalized_messages(),
                }
            )
            continue
        message["timestamp"] = _corrected(message["timestamp"], sent_at, received_at)
        messages.append(message)
    return messages, rejected


def _encode(raw) -> bytes:
    try:
        return orjson.dumps(raw)
    except orjson.JSONEncodeError as error:  # numbers JSON allows but 64 bits do not hold
        raise ValidationError("Not encodable as JSON: a number is out of range.", "_schema") from error


def _corrected(timestamp: datetime | None, sent_at: datetime | None, received_at: datetime) -> datetime:
    """Shift a client timestamp by the client's clock error: receivedAt − (sentAt − timestamp).

    An event cannot have happened after its batch was sent, so a corrected time past receipt is receipt.
    """
    if timestamp is None:
        return received_at
    if sent_at is None:
        return timestamp
    return min(received_at - (sent_at - timestamp), received_at)


def _unique(messages: list[dict]) -> tuple[list[dict], int]:
    """Drop repeats of a messageId inside one batch, keeping the first."""
    seen, unique = set(), []
    for m in messages:
        if m["messageId"] not in seen:
            seen.add(m["messageId"])
            unique.append(m)
    return unique, len(messages) - len(unique)


# On PostgreSQL the rows travel as one JSON document: one fixed statement, planned once, instead of
# a multi-row VALUES list with hundreds of parameters that is parsed and planned on every batch.
# A messageId is claimed in event_ids first; only the rows that claimed theirs now are stored in
# the (partitioned) events table, so a retry changes nothing.
_PG_INSERT_EVENTS = text("""
    WITH r AS (
        SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb))
            AS r(message_id text, person_id bigint, type text, name text, properties jsonb, context jsonb,
                 timestamp timestamptz)
    ), fresh AS (
        INSERT INTO event_ids (project_id, message_id, timestamp)
        SELECT :project_id, r.message_id, r.timestamp FROM r
        ON CONFLICT (project_id, message_id) DO NOTHING
        RETURNING message_id
    )
    INSERT INTO events (project_id, message_id, person_id, type, name, properties, context, timestamp, received_at)
    SELECT :project_id, r.message_id, r.person_id, r.type, r.name, r.properties, r.context, r.timestamp,
           :received_at
    FROM r JOIN fresh ON fresh.message_id = r.message_id
    RETURNING message_id
""").bindparams(bindparam("received_at", type_=UTCDateTime))


def _insert_events(session, project_id, messages, person_ids, received_at) -> set[str]:
    """Insert the events whose messageIds are not stored yet; return the messageIds inserted now."""
    rows = [_event_row(m, p) for m, p in zip(messages, person_ids, strict=True)]
    if session.get_bind().dialect.name == "postgresql":
        result = session.execute(
            _PG_INSERT_EVENTS,
            {"project_id": project_id, "received_at": received_at, "rows": orjson.dumps(rows).decode()},
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
    fresh = [
        {**row, "project_id": project_id, "received_at": received_at} for row in rows if row["message_id"] in claimed
    ]
    if fresh:
        session.execute(_EVENTS.insert(), fresh)
    return claimed


def _event_row(m: dict, person_id: int) -> dict:
    kind = m["type"]
    if kind == "track":
        name, properties = m["event"], m["properties"]
    elif kind == "page":
        path = m["properties"].get("path")
        name = (path if isinstance(path, str) else m["name"] or "")[:200] or None
        properties = {**m["properties"], "name": m["name"]} if m["name"] else m["properties"]
    elif kind == "identify":
        name, properties = None, m["traits"]
    elif kind == "group":
        name, properties = m["groupId"], m["traits"]
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
    }


def _apply_effects(session, project_id, messages, person_ids, inserted: set) -> None:
    """Seen times for everyone; traits and accounts only from messages stored now (a retry changes nothing)."""
    seen: dict[int, tuple[datetime, datetime]] = {}
    traits: dict[int, list[dict]] = {}
    groups: list[tuple[int, str, dict]] = []
    surveys: list[tuple[int, dict]] = []
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
    people.touch_people(session, seen)
    people.apply_traits(session, traits)
    people.apply_groups(session, project_id, groups)
    stored = [(p, m) for m, p in zip(messages, person_ids, strict=True) if m["messageId"] in inserted]
    features = rollups.project_features(session, project_id)
    used = rollups.record(session, project_id, features, stored)
    journey.advance(session, project_id, features, used, stored)
    responses.record(session, project_id, surveys)
