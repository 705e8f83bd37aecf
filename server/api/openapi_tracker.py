"""The tracker's endpoints in the OpenAPI document: POST /v1/batch and Segment's single-message endpoints.

Their message schemas are the ones capture validates with (core.ingest.messages, compiled by msgspec):
one definition for the check and the document.
"""

from ..core.ingest import messages

SINGLE = ("track", "identify", "page", "screen", "group", "alias")
_ANSWER = {
    "type": "object",
    "required": ["accepted", "duplicates", "rejected"],
    "properties": {
        "accepted": {"type": "integer", "description": "Messages taken into the ingest log."},
        "duplicates": {"type": "integer", "description": "Repeats of a messageId inside this request."},
        "robots": {
            "type": "integer",
            "description": "Messages acknowledged and not kept: the request's User-Agent, or the message's "
            "context.userAgent, names a robot (crawler, link previewer, uptime check). Absent when none.",
        },
        "rejected": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer"},
                    "messageId": {"type": ["string", "null"]},
                    "errors": {"type": "object"},
                },
            },
        },
    },
}
_ERRORS = {
    "400": "The body is not JSON or the envelope (or the single message) is malformed.",
    "401": "Missing, unknown or revoked write key.",
    "403": "The request's Origin is not one the project allows.",
    "413": "The body or the batch is too large.",
    "415": "Another content type or encoding.",
    "429": "Too many requests for this write key; see Retry-After.",
    "503": "The ingest log is unavailable; nothing was kept, retry.",
}


def add_tracker(document: dict) -> None:
    """Add the tracker's paths, its write-key scheme and the message schemas to an OpenAPI 3.1 document."""
    schemas, components = messages.json_schemas()
    document["components"]["schemas"].update({_name(k): _refs(v) for k, v in components.items()})
    document["components"]["securitySchemes"]["writeKey"] = {
        "type": "http",
        "scheme": "basic",
        "description": "The project's write key (pk_…) as the user of Basic auth, or `writeKey` in the body.",
    }
    envelope = document["components"]["schemas"][_name("Envelope")]
    envelope["properties"]["batch"] = {"type": "array", "items": {"oneOf": _refs(schemas["messages"])}}
    document["paths"]["/v1/batch"] = {
        "post": _operation(
            "capture_batch",
            "Capture a batch of messages",
            "Each message is checked on its own; the good ones are appended to the ingest log, which a writer "
            "stores (usually within a second). Text bodies (text/plain) and gzip are accepted.",
            {"$ref": f"#/components/schemas/{_name('Envelope')}"},
        )
    }
    for kind in SINGLE:
        name = _name(kind.capitalize())
        document["paths"][f"/v1/{kind}"] = {
            "post": _operation(
                f"capture_{kind}",
                f"Capture one {kind} message (Segment's HTTP API)",
                "The body is the message; its type is the path's.",
                {"$ref": f"#/components/schemas/{name}"},
            )
        }


def _operation(operation_id: str, summary: str, description: str, body: dict) -> dict:
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {
        "operationId": operation_id,
        "tags": ["tracker"],
        "summary": summary,
        "description": description,
        "security": [{"writeKey": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": {
            "200": {"description": "Taken.", "content": {"application/json": {"schema": _ANSWER}}},
            **{status: {"description": text, "content": error} for status, text in _ERRORS.items()},
        },
    }


def _name(component: str) -> str:
    """The tracker's schemas get names of their own (the admin API has a Survey too): TrackMessage, …"""
    return "BatchEnvelope" if component == "Envelope" else f"{component}Message"


def _refs(value):
    """msgspec's `#/$defs/X` references as the document's `#/components/schemas/XMessage`."""
    if isinstance(value, dict):
        return {k: _refs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_refs(v) for v in value]
    if isinstance(value, str) and value.startswith("#/$defs/"):
        return "#/components/schemas/" + _name(value.removeprefix("#/$defs/"))
    return value
