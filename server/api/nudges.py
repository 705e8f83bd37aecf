"""/api/v1/nudges: in-app nudges aimed at a gap's people, with a holdout, and their results (secret key)."""

from flask import Blueprint, g

from ..core.nudges import definitions as nudges
from ..core.nudges import results
from ..db import db
from ..http.body import read_json_object
from ..schemas.nudges import NudgeOutSchema, NudgeResultsSchema, NudgeSchema, NudgeUpdateSchema
from .openapi import INT_ID, doc, list_of

bp = Blueprint("nudges", __name__)
_out, _update = NudgeOutSchema(), NudgeUpdateSchema()


@bp.get("")
@doc("List nudges", response=list_of("nudges", NudgeOutSchema, paginated=False), tags=["nudges"])
def list_nudges():
    return {"nudges": [_out.dump(n) for n in nudges.list_nudges(db.session, g.project_id)]}


@bp.post("")
@doc(
    'Create a nudge, by hand or from a gap ({"gap": id}: the proposal for its people)',
    body=NudgeSchema,
    response=NudgeOutSchema,
    status=201,
    tags=["nudges"],
)
def create_nudge():
    return _out.dump(nudges.create_nudge(db.session, g.project_id, read_json_object())), 201


@bp.get(f"/<{INT_ID}:nudge_id>")
@doc("Get one nudge", response=NudgeOutSchema, tags=["nudges"])
def get_nudge(nudge_id):
    return _out.dump(nudges.get_nudge(db.session, g.project_id, nudge_id))


@bp.patch(f"/<{INT_ID}:nudge_id>")
@doc("Change a nudge's status, name or priority", body=NudgeUpdateSchema, response=NudgeOutSchema, tags=["nudges"])
def update_nudge(nudge_id):
    return _out.dump(nudges.update_nudge(db.session, g.project_id, nudge_id, _update.load(read_json_object())))


@bp.delete(f"/<{INT_ID}:nudge_id>")
@doc("Delete a nudge and its assignments", status=204, tags=["nudges"])
def delete_nudge(nudge_id):
    nudges.delete_nudge(db.session, g.project_id, nudge_id)
    return "", 204


@bp.get(f"/<{INT_ID}:nudge_id>/results")
@doc("Treatment against holdout: rates, lift and verdict", response=NudgeResultsSchema, tags=["nudges"])
def nudge_results(nudge_id):
    return NudgeResultsSchema().dump(results.results(db.session, g.project_id, nudge_id))
