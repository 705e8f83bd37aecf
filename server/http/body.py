"""Reading request bodies safely: size caps, gzip with a bomb guard, fast JSON."""

import json
import re
import zlib

import orjson
from flask import current_app, request

from ..errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

JSON_TYPES = ("application/json", "text/plain", "")
# A JSON escape of half a UTF-16 surrogate pair (\ud800-\udfff), which no UTF-8 text holds on its own.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def read_json_body(max_bytes: int, allow_nul: bool = True):
    """Return the decoded JSON body, refusing anything over `max_bytes` before or after decompression.

    allow_nul=False (the admin API) refuses text PostgreSQL cannot store for the whole body: NUL characters and
    lone surrogates (orjson refuses those). The tracker (allow_nul=True) leaves a message with NUL for capture to
    refuse alone, and keeps a batch with a lone surrogate, which a browser's JSON.stringify writes for half an
    emoji (a title cut short), with U+FFFD in its place as a browser's TextEncoder would.
    """
    content_type = (request.mimetype or "").lower()
    if content_type not in JSON_TYPES:
        raise UnsupportedMediaType("Send the body as application/json or text/plain.")
    too_large = PayloadTooLarge(f"The body is over {max_bytes // 1024} KB.")
    if request.content_length is not None and request.content_length > max_bytes:
        raise too_large
    raw = request.stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise too_large
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding == "gzip":
        raw = _gunzip(raw, max_bytes, too_large)
    elif encoding not in ("", "identity"):
        raise UnsupportedMediaType("Content-Encoding may be gzip or nothing.")
    if not allow_nul and b"\\u0000" in raw:
        raise BadRequest("Text may not contain NUL (\\u0000) characters.")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        if allow_nul and _SURROGATE_ESCAPE.search(raw):
            return _with_lone_surrogates_replaced(raw, error)
        raise BadRequest(f"The body is not valid JSON: {error}.") from error


def _with_lone_surrogates_replaced(raw: bytes, error: orjson.JSONDecodeError):
    """The document orjson refused for its lone surrogates, read by the standard library, each one as U+FFFD."""
    invalid = BadRequest(f"The body is not valid JSON: {error}.")
    try:
        document = json.loads(raw.decode(), parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise invalid from error
    stack = [document]
    while stack:  # iterative: the standard library nests deeper than a recursive walk could
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in list(items):
            if isinstance(value, str):
                node[key] = _LONE_SURROGATE.sub("\ufffd", value)
            elif isinstance(value, (dict, list)):
                stack.append(value)
            if isinstance(key, str) and _LONE_SURROGATE.search(key):
                node[_LONE_SURROGATE.sub("\ufffd", key)] = node.pop(key)
    return _LONE_SURROGATE.sub("\ufffd", document) if isinstance(document, str) else document


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def read_json_object() -> dict:
    """The body of an admin API request: a JSON object within ADMIN_MAX_BODY_BYTES."""
    document = read_json_body(current_app.config["ADMIN_MAX_BODY_BYTES"], allow_nul=False)
    if not isinstance(document, dict):
        raise BadRequest("Send a JSON object.")
    return document


def _gunzip(raw: bytes, max_bytes: int, too_large: PayloadTooLarge) -> bytes:
    """Decompress at most max_bytes + 1 bytes, so a small bomb cannot expand in memory."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(raw, max_bytes + 1)
    except zlib.error as error:
        raise BadRequest("The body is not valid gzip.") from error
    if len(data) > max_bytes or inflater.unconsumed_tail:
        raise too_large
    if not inflater.eof:
        raise BadRequest("The gzip body is truncated.")
    return data
