"""Ingestion of /v1/batch: validate each message alone, dedupe, resolve people, write in bulk."""
from datetime import datetime

import orjson
from flask import current_app
from marshmallow import ValidationError
from sqlalchemy.orm import Session

from ..db import write_lock_options
from ..errors import BadRequest, PayloadTooLarge
from ..models import Event
from ..schemas.batch import EnvelopeSchema, load_message
from . import people
from .keys import ProjectRef
from .sql import insert_ignoring_conflicts

_envelope_schema = EnvelopeSchema()
_EVENTS = Event.__table__


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
    accepted = 0
    if messages:
        session.connection(execution_options=write_lock_options())
        person_ids = people.resolve_people(session, project.id, messages)
        inserted = set(insert_ignoring_conflicts(
            session, _EVENTS, [_event_row(project.id, m, p, received_at) for m, p in zip(messages, person_ids)],
            ["project_id", "message_id"], returning=_EVENTS.c.message_id))
        accepted = len(inserted)
        _apply_effects(session, project.id, messages, person_ids, inserted)
        session.commit()
    return {"accepted": accepted, "duplicates": len(messages) - accepted + repeated, "rejected": rejected}


def _validate(raw_messages: list, sent_at: datetime | None, received_at: datetime):
    max_bytes = current_app.config["MAX_MESSAGE_BYTES"]
    messages, rejected = [], []
    for index, raw in enumerate(raw_messages):
        message_id = raw.get("messageId") if isinstance(raw, dict) else None
        try:
            encoded = orjson.dumps(raw)
            if len(encoded) > max_bytes:
                raise ValidationError(f"The message is {len(encoded)} bytes; at most {max_bytes} are accepted.",
                                      "_schema")
            if b"\\u0000" in encoded:
                raise ValidationError("Text may not contain NUL (\\u0000) characters.", "_schema")
            message = load_message(raw)
        except ValidationError as error:
            rejected.append({"index": index, "messageId": message_id if isinstance(message_id, str) else None,
                             "errors": error.normalized_messages()})
            continue
        except orjson.JSONEncodeError:
            rejected.append({"index": index, "messageId": None, "errors": {"_schema": ["Not encodable as JSON."]}})
            continue
        message["timestamp"] = _corrected(message["timestamp"], sent_at, received_at)
        messages.append(message)
    return messages, rejected


def _corrected(timestamp: datetime | None, sent_at: datetime | None, received_at: datetime) -> datetime:
    """Shift a client timestamp by the client's clock error: receivedAt − (sentAt − timestamp)."""
    if timestamp is None:
        return received_at
    if sent_at is None:
        return timestamp
    return received_at - (sent_at - timestamp)


def _unique(messages: list[dict]) -> tuple[list[dict], int]:
    """Drop repeats of a messageId inside one batch, keeping the first."""
    seen, unique = set(), []
    for m in messages:
        if m["messageId"] not in seen:
            seen.add(m["messageId"])
            unique.append(m)
    return unique, len(messages) - len(unique)


def _event_row(project_id: int, m: dict, person_id: int, received_at: datetime) -> dict:
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
        name, properties = m["action"], {"surveyId": m["surveyId"], "answers": m["answers"]}
    return {"project_id": project_id, "message_id": m["messageId"], "person_id": person_id, "type": kind,
            "name": name, "properties": properties, "context": m["context"], "timestamp": m["timestamp"],
            "received_at": received_at}


def _apply_effects(session, project_id, messages, person_ids, inserted: set) -> None:
    """Seen times for everyone; traits and accounts only from messages stored now (a retry changes nothing)."""
    seen: dict[int, tuple[datetime, datetime]] = {}
    traits: dict[int, list[dict]] = {}
    groups: list[tuple[int, str, dict]] = []
    for m, person in zip(messages, person_ids):
        ts = m["timestamp"]
        lo, hi = seen.get(person, (ts, ts))
        seen[person] = (min(lo, ts), max(hi, ts))
        if m["messageId"] not in inserted:
            continue
        if m["type"] == "identify" and m["traits"]:
            traits.setdefault(person, []).append(m["traits"])
        elif m["type"] == "group":
            groups.append((person, m["groupId"], m["traits"]))
    people.touch_people(session, seen)
    people.apply_traits(session, traits)
    people.apply_groups(session, project_id, groups)
