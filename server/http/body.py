"""Reading request bodies safely: size caps, gzip with a bomb guard, fast JSON."""

import zlib

import orjson
from flask import current_app, request

from ..errors import BadRequest, PayloadTooLarge, Unprocessable, UnsupportedMediaType

JSON_TYPES = ("application/json", "text/plain", "")


def read_json_body(max_bytes: int, allow_nul: bool = True):
    """Return the decoded JSON body, refusing anything over `max_bytes` before or after decompression.

    allow_nul=False refuses text with NUL characters, which PostgreSQL cannot store, for the whole body.
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
        raise BadRequest(f"The body is not valid JSON: {error}.") from error


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


def refuse_nul_in_query() -> None:
    """No query parameter may hold a NUL character: no database stores one in text, so say so up front."""
    if "%00" in request.query_string.decode("latin-1").lower() or any("\x00" in v for v in request.args.values()):
        raise Unprocessable(errors={"query": ["Query parameters may not contain NUL (\\u0000) characters."]})
