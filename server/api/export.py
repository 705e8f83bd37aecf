"""/api/v1/export: the project's events and survey responses as streamed CSV, NDJSON or Parquet (secret key)."""

from collections.abc import Generator, Iterator

from flask import Blueprint, Response, g, request, stream_with_context

from ..core.exports import stream as export
from ..db import db
from ..schemas.export import EventsExportQuerySchema, ResponsesExportQuerySchema
from .openapi import doc

bp = Blueprint("export", __name__)
_events_args, _responses_args = EventsExportQuerySchema(), ResponsesExportQuerySchema()
_FILES = ("text/csv", "application/x-ndjson", "application/vnd.apache.parquet")


@bp.get("/events")
@doc("Export events", query=EventsExportQuerySchema, media=_FILES)
def export_events():
    """The project's events as a streamed file, in id order: id, message_id, type, name, person_id, user_id,
    timestamp, received_at, properties, context. Every row carries its id: `after=<the last id kept>` resumes."""
    return _streamed("events", _events_args.load(request.args))


@bp.get("/responses")
@doc("Export survey responses", query=ResponsesExportQuerySchema, media=_FILES)
def export_responses():
    """The project's survey responses as a streamed file, in id order: id, survey_id, survey_name, kind,
    person_id, user_id, display_id, stage, score, completed, locale, answers, created_at, updated_at. Every row
    carries its id: `after=<the last id kept>` resumes."""
    return _streamed("responses", _responses_args.load(request.args))


def _streamed(dataset: str, args: dict) -> Response:
    fmt = args.pop("format")
    body = export.stream(db.engine, dataset, fmt, export.Filters(project_id=g.project_id, **args))
    # The first chunk is read here, so a database that fails at once answers with an error, not a cut file.
    first = next(body)
    return Response(
        stream_with_context(_relay(first, body)),
        content_type=export.media_type(fmt),
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename(dataset, fmt)}"',
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        },
    )


def _relay(first: bytes, body: Generator[bytes, None, None]) -> Iterator[bytes]:
    try:
        yield first
        yield from body
    finally:
        body.close()  # also when the client went away after the first chunk
