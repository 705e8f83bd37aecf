"""/api/v1/segments: the project's segments, each with its live count of people (secret key)."""

from flask import Blueprint, g

from ..core.segments import definitions as segments
from ..db import db
from ..http.body import read_json_object
from ..models import Segment
from ..schemas.reports import CountedSegmentSchema
from ..schemas.segments import SegmentOutSchema, SegmentSchema, SegmentUpdateSchema
from .openapi import doc, list_of

bp = Blueprint("segments", __name__)
_create, _update, _out = SegmentSchema(), SegmentUpdateSchema(), SegmentOutSchema()


def _dump(segment: Segment) -> dict:
    return {**_out.dump(segment), "count": segments.count_segment(db.session, g.project_id, segment)}


@bp.get("")
@doc("List segments", response=list_of("segments", CountedSegmentSchema, paginated=False))
def list_segments():
    return {"segments": [_dump(s) for s in segments.list_segments(db.session, g.project_id)]}


@bp.post("")
@doc(
    "Create a segment",
    body=SegmentSchema,
    response=CountedSegmentSchema,
    status=201,
    responses={409: "A segment with this key already exists."},
)
def create_segment():
    return _dump(segments.create_segment(db.session, g.project_id, _create.load(read_json_object()))), 201


@bp.get("/<key>")
@doc("Get one segment", response=CountedSegmentSchema)
def get_segment(key):
    return _dump(segments.get_segment(db.session, g.project_id, key))


@bp.patch("/<key>")
@doc("Change a segment's name or rules", body=SegmentUpdateSchema, response=CountedSegmentSchema)
def update_segment(key):
    return _dump(segments.update_segment(db.session, g.project_id, key, _update.load(read_json_object())))


@bp.delete("/<key>")
@doc("Delete a segment", status=204)
def delete_segment(key):
    segments.delete_segment(db.session, g.project_id, key)
    return "", 204
