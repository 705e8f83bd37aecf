"""Input no database can store is refused before any view reads it: NUL characters and bytes that are not UTF-8 in
the query string and in the dashboard's form bodies (422, naming each field), and paths no row can answer (404).

PostgreSQL refuses NUL in text and jsonb, and werkzeug keeps a %-escape that is not UTF-8 (%ED%A0%80, a lone
surrogate) as literal text and drops a form body holding a raw non-UTF-8 byte: each would reach a view as something
else than what was sent. The admin API's JSON bodies are checked as they are read (body.read_json_object).
"""

import re
from urllib.parse import unquote_to_bytes

from flask import current_app, request

from ..errors import BadRequest, NotFound, Unprocessable

NUL_TEXT = "Text may not contain NUL (\\u0000) characters."
NOT_UTF8 = "Text must be UTF-8: this holds bytes (or %-escapes) that are not."
# A dashboard path takes its project as <int:project_id>, without the bound API paths declare (INT_ID): projects.id
# is a 32-bit integer, and a larger number would reach the database.
MAX_PROJECT_ID = 2**31 - 1
_PLAIN = re.compile(rb"[\x20-\x24\x26-\x7e]*")  # printable ASCII without '%': nothing to decode, nothing to refuse
_WRITES = ("POST", "PUT", "PATCH", "DELETE")


def refuse_unstorable_input() -> None:
    """Before every request: 404 for a path no row can answer, 422 for a parameter or form field no text column
    stores, 400 for a dashboard JSON body with NUL."""
    if "\x00" in request.path or (request.view_args or {}).get("project_id", 0) > MAX_PROJECT_ID:
        raise NotFound()
    errors = field_errors(request.query_string)
    if request.method in _WRITES and (request.path == "/app" or request.path.startswith("/app/")):
        errors.update(_dashboard_body_errors())
    if errors:
        nul = any(NUL_TEXT in messages for messages in errors.values())
        raise Unprocessable(NUL_TEXT if nul else NOT_UTF8, errors=errors)


def field_errors(encoded: bytes) -> dict[str, list[str]]:
    """The fields of a query string or urlencoded body that hold NUL or are not UTF-8 once %-decoded."""
    if _PLAIN.fullmatch(encoded):
        return {}
    errors = {}
    for pair in encoded.split(b"&"):
        raw_name, _, raw_value = pair.partition(b"=")
        name, value = (unquote_to_bytes(part.replace(b"+", b" ")) for part in (raw_name, raw_value))
        label = name.decode(errors="replace").replace("\x00", "\ufffd")
        try:
            text = name.decode() + value.decode()
        except UnicodeDecodeError:
            errors[label] = [NOT_UTF8]
            continue
        if "\x00" in text:
            errors[label] = [NUL_TEXT]
    return errors


def _dashboard_body_errors() -> dict[str, list[str]]:
    """A dashboard form's fields, read from the body werkzeug then parses again (from the cached bytes)."""
    # The cap dashboard blueprints set too: this runs before them, and reads the body first.
    request.max_content_length = current_app.config["ADMIN_MAX_BODY_BYTES"]
    mimetype = request.mimetype
    if mimetype == "application/x-www-form-urlencoded":
        return field_errors(request.get_data(cache=True))
    if mimetype == "multipart/form-data":
        fields = request.form.items(multi=True)
        return {name.replace("\x00", "\ufffd"): [NUL_TEXT] for name, value in fields if "\x00" in name + value}
    if mimetype == "application/json" and b"\\u0000" in request.get_data(cache=True):
        raise BadRequest(NUL_TEXT)
    return {}
