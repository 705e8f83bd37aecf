"""POST /v1/batch and Segment's single-message endpoints: capture into the ingest log, for browsers,
server-side senders and Segment's SDKs alike.

The write key comes in the body (`writeKey`) or, as Segment's SDKs send it, as the user of
`Authorization: Basic`. Capture answers once the messages are durably in the log; the writer stores them.
"""

import base64
import binascii

from flask import Blueprint, current_app, jsonify, request

from ..core.ingest import capture as ingest
from ..errors import BadRequest
from ..http.auth import require_write_key
from ..http.body import read_json_body
from ..http.cors import add_cors_headers
from ..http.ratelimit import limit_batch
from ..models.base import utcnow
from ..ops.metrics import count_batch

bp = Blueprint("ingest", __name__)
bp.after_request(add_cors_headers)

# Segment's HTTP tracking API: one message a request, its type named by the path.
SINGLE = ("track", "identify", "page", "screen", "group", "alias")


@bp.post("/batch")
def batch():
    project, document, received_at = _authenticated("MAX_BODY_BYTES", "a JSON object with writeKey and batch")
    envelope = ingest.parse_envelope(document)
    answer = ingest.capture(project.id, envelope.batch, envelope.sentAt, received_at, request.user_agent.string)
    count_batch(answer)
    return jsonify(answer)


def single(kind: str):
    def view():
        project, document, received_at = _authenticated("MAX_MESSAGE_BYTES", "one message: a JSON object")
        message = {k: v for k, v in document.items() if k not in ("writeKey", "sentAt")}
        message["type"] = kind
        envelope = ingest.parse_envelope({"batch": [message], "sentAt": document.get("sentAt")})
        answer = ingest.capture(project.id, envelope.batch, envelope.sentAt, received_at, request.user_agent.string)
        count_batch(answer)
        if answer["rejected"]:
            raise BadRequest("The message is invalid.", errors=answer["rejected"][0]["errors"])
        return jsonify(answer)

    view.__name__ = kind
    view.__doc__ = f"POST /v1/{kind}: one {kind} message, as Segment's HTTP tracking API takes it."
    return view


def _authenticated(cap: str, shape: str):
    """The request's project, its JSON body and when it arrived; counted against the write key's rate limit."""
    received_at = utcnow()
    document = read_json_body(current_app.config[cap])
    write_key = _write_key(document)
    limit_batch(write_key)
    if not isinstance(document, dict):
        raise BadRequest(f"The body must be {shape}.")
    return require_write_key(write_key), document, received_at


for _kind in SINGLE:
    bp.add_url_rule(f"/{_kind}", view_func=single(_kind), methods=["POST"])


def _write_key(document) -> str | None:
    """The body's writeKey, else the user of Basic auth (Segment: base64 of "<write key>:")."""
    if isinstance(document, dict) and document.get("writeKey") is not None:
        key = document["writeKey"]
        return key if isinstance(key, str) else None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        return None
    try:
        user, _, _password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user or None
