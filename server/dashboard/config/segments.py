"""Segments pages: the list with live counts, the AND/OR rules editor, and the count of people the rules
being edited match (POST .../segments/count, JSON, for static/ui/segments.js).

The form posts the rules as JSON (the editor's `rules` field); with JavaScript, segments.js builds the
rules from structured controls and fills that field, so the page also works without it."""

import orjson
from flask import g, jsonify, request
from marshmallow import ValidationError

from ...core.features import definitions as feature_service
from ...core.journey.stages import STAGES
from ...core.segments import definitions as segment_service
from ...core.segments import suggestions
from ...db import db
from ...errors import ApiError, Unprocessable
from ...schemas.segments import GroupSchema, SegmentSchema, SegmentUpdateSchema
from ..frame import project_page
from .base import bp, failure, flat_errors, page, saved

MAX_RULES_BYTES = 64 * 1024
EMPTY_RULES = {"match": "all", "conditions": []}


@bp.get("/p/<int:project_id>/segments")
@project_page("viewer")
def segments(project_id):
    """The segments with the number of people each matches now."""
    return _list_page()


@bp.get("/p/<int:project_id>/segments/new")
@project_page("viewer")
def segment_new(project_id):
    """The editor for a new segment."""
    return _editor(None, {"key": "", "name": "", "rules": _pretty(EMPTY_RULES)})


@bp.post("/p/<int:project_id>/segments/new")
@project_page("editor")
def segment_create(project_id):
    """Save a new segment."""
    values = _values(with_key=True)
    try:
        segment = segment_service.create_segment(
            db.session, project_id, SegmentSchema().load({**values, "rules": _parse_rules(values["rules"])})
        )
    except (ValidationError, ApiError) as error:
        return _editor(None, values, error)
    return _saved(segment)


@bp.get("/p/<int:project_id>/segments/<key>/edit")
@project_page("viewer")
def segment_edit(project_id, key):
    """The editor for an existing segment, with its count."""
    segment = segment_service.get_segment(db.session, project_id, key)
    return _editor(segment, {"key": segment.key, "name": segment.name, "rules": _pretty(segment.rules)})


@bp.post("/p/<int:project_id>/segments/<key>/edit")
@project_page("editor")
def segment_update(project_id, key):
    """Save a segment's name and rules."""
    segment = segment_service.get_segment(db.session, project_id, key)
    values = {**_values(with_key=False), "key": segment.key}
    try:
        changes = SegmentUpdateSchema().load({"name": values["name"], "rules": _parse_rules(values["rules"])})
        segment = segment_service.update_segment(db.session, project_id, key, changes)
    except (ValidationError, ApiError) as error:
        return _editor(segment, values, error)
    return _saved(segment)


@bp.post("/p/<int:project_id>/segments/<key>/delete")
@project_page("editor")
def segment_delete(project_id, key):
    """Delete a segment no survey targets, once confirmed (the first post asks); otherwise say which surveys do."""
    if request.form.get("confirm") != "yes":
        return _list_page(None, 200, confirm=segment_service.get_segment(db.session, project_id, key))
    try:
        segment_service.delete_segment(db.session, project_id, key)
    except ApiError as error:
        if error.status_code == 404:
            raise
        return _list_page(failure(error)[0], error.status_code)
    return saved(f"Segment {key!r} deleted.", "ui_config.segments")


@bp.post("/p/<int:project_id>/segments/count")
@project_page("viewer")
def segment_count(project_id):
    """How many people the posted rules match now: {"count": n}, or 422 {"errors": ...}. Counting only reads,
    so viewers may count too (the CSRF token is still required: it is a POST)."""
    if (request.content_length or 0) > MAX_RULES_BYTES:
        return jsonify(message="The rules are too large."), 413
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "rules" not in body:
        return jsonify(message='Send {"rules": {...}} as JSON.'), 400
    try:
        rules = GroupSchema().load(body["rules"])
    except ValidationError as error:
        errors = flat_errors({"rules": error.normalized_messages()})
        return jsonify(message="The rules are incomplete.", errors=errors), 422
    return jsonify(count=segment_service.count_matching(db.session, project_id, rules))


def _values(with_key: bool) -> dict:
    values = {"name": request.form.get("name", ""), "rules": request.form.get("rules", "")}
    if with_key:
        values["key"] = request.form.get("key", "").strip()
    return values


def _parse_rules(text: str):
    if len(text.encode()) > MAX_RULES_BYTES:
        raise Unprocessable(errors={"rules": ["The rules are too large."]})
    try:
        return orjson.loads(text or "null")
    except orjson.JSONDecodeError as error:
        raise Unprocessable("The rules are not valid JSON.", errors={"rules": [f"Not valid JSON: {error}"]}) from None


def _pretty(rules: dict) -> str:
    return orjson.dumps(rules, option=orjson.OPT_INDENT_2).decode()


def _saved(segment):
    count = segment_service.count_segment(db.session, g.project.id, segment)
    return saved(
        f"Segment {segment.name!r} saved: {count} {'person matches' if count == 1 else 'people match'} now.",
        "ui_config.segments",
    )


def _list_page(error: str | None = None, status: int = 200, confirm=None):
    rows = [
        (s, segment_service.count_segment(db.session, g.project.id, s))
        for s in segment_service.list_segments(db.session, g.project.id)
    ]
    return page("ui/config/segments.html", status, rows=rows, error=error, confirm=confirm)


def _editor(segment, values: dict, error: Exception | None = None):
    """The editor page: the segment (None for a new one), the input to show, and why it was refused."""
    message, errors, status = failure(error) if error else (None, {}, 200)
    count = None if segment is None or error else segment_service.count_segment(db.session, g.project.id, segment)
    data = {
        "stages": list(STAGES),
        "features": [{"key": f.key, "name": f.name} for f in feature_service.list_features(db.session, g.project.id)],
        "traits": suggestions.trait_suggestions(db.session, g.project.id),
    }
    return page(
        "ui/config/segment_edit.html",
        status,
        segment=segment,
        values=values,
        message=message,
        errors=errors,
        count=count,
        editor_data=data,
    )
