"""Capture: check each message on its own, correct clock skew, append the good ones to the ingest log.

Capture writes no event, person or rollup: the writer (core.ingest.writer) does, in bulk. So the
answer's `accepted` counts the messages appended, `duplicates` the repeats of a messageId inside
this request (the writer ignores messageIds it has stored before), and `rejected` names each refused
message by index with its reasons. Messages from robots (bots.py) are acknowledged in `robots` and not kept.
"""

from datetime import datetime

import msgspec
import orjson
from flask import current_app

from ...errors import BadRequest, PayloadTooLarge
from . import messages as schema
from .bots import is_robot
from .log import ingest_log

_encoder = msgspec.json.Encoder()
encode = _encoder.encode


class LogRecord(msgspec.Struct, kw_only=True):
    """What one accepted request leaves in the log."""

    project: int
    received: datetime
    messages: list[schema.AnyMessage]


def parse_envelope(document, write_key: str | None = None) -> schema.Envelope:
    """Check the batch envelope; a malformed one is refused whole (400)."""
    if not isinstance(document, dict):
        raise BadRequest("The body must be a JSON object with writeKey and batch.")
    try:
        envelope = schema.load_envelope(document)
        schema.parse_timestamp(envelope.sentAt, "sentAt")
    except schema.Invalid as error:
        raise BadRequest("The batch envelope is invalid.", errors=error.errors) from None
    limit = current_app.config["MAX_BATCH_MESSAGES"]
    if len(envelope.batch) > limit:
        raise PayloadTooLarge(f"A batch holds at most {limit} messages; split it.")
    return envelope


def capture(
    project_id: int, raw_messages: list, sent_at: str | None, received_at: datetime, user_agent: str | None = None
) -> dict:
    """Validate, correct and append one request's messages; return what the client is told."""
    accepted, rejected = validate(raw_messages, schema.parse_timestamp(sent_at, "sentAt"), received_at)
    fresh, repeated = unique(accepted)
    robot_request = is_robot(user_agent)
    kept = [m for m in fresh if not robot_request and not is_robot(_context_user_agent(m))]
    if kept:
        record = LogRecord(project=project_id, received=received_at, messages=kept)
        ingest_log().append(project_id, len(kept), encode(record))
    answer = {"accepted": len(kept), "duplicates": repeated, "rejected": rejected}
    if len(kept) < len(fresh):
        answer["robots"] = len(fresh) - len(kept)
    return answer


def _context_user_agent(message) -> str | None:
    agent = (message.context or {}).get("userAgent")
    return agent if isinstance(agent, str) else None


def validate(raw_messages: list, sent_at: datetime | None, received_at: datetime):
    """The good messages (timestamps corrected, as ISO text) and the refused ones by index."""
    max_bytes = current_app.config["MAX_MESSAGE_BYTES"]
    good: list[schema.AnyMessage] = []
    rejected: list[dict] = []
    for index, raw in enumerate(raw_messages):
        try:
            _check_size(raw, max_bytes)
            message, timestamp = schema.load(raw)
        except schema.Invalid as error:
            message_id = raw.get("messageId") if isinstance(raw, dict) else None
            rejected.append(
                {
                    "index": index,
                    "messageId": message_id if isinstance(message_id, str) else None,
                    "errors": error.errors,
                }
            )
            continue
        message.timestamp = corrected(timestamp, sent_at, received_at).isoformat()
        good.append(message)
    return good, rejected


def _check_size(raw, max_bytes: int) -> None:
    try:
        encoded = orjson.dumps(raw)
    except orjson.JSONEncodeError:  # numbers JSON allows but 64 bits do not hold
        raise schema.Invalid({"_schema": ["Not encodable as JSON: a number is out of range."]}) from None
    if len(encoded) > max_bytes:
        raise schema.Invalid({"_schema": [f"The message is {len(encoded)} bytes; at most {max_bytes} are accepted."]})
    if b"\\u0000" in encoded:
        raise schema.Invalid({"_schema": ["Text may not contain NUL (\\u0000) characters."]})


def corrected(timestamp: datetime | None, sent_at: datetime | None, received_at: datetime) -> datetime:
    """Shift a client timestamp by the client's clock error: receivedAt − (sentAt − timestamp).

    An event cannot have happened after its batch was sent, so a corrected time past receipt is receipt.
    """
    if timestamp is None:
        return received_at
    if sent_at is None:
        return timestamp
    return min(received_at - (sent_at - timestamp), received_at)


def unique(messages: list) -> tuple[list, int]:
    """Drop repeats of a messageId inside one request, keeping the first."""
    seen: set[str] = set()
    kept = []
    for m in messages:
        if m.messageId not in seen:
            seen.add(m.messageId)
            kept.append(m)
    return kept, len(messages) - len(kept)
