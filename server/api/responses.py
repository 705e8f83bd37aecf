"""/api/v1/responses: the project's survey responses, filtered and paged (secret key)."""

from flask import Blueprint, g, request

from ..core.people import directory
from ..db import db
from ..schemas.api import ResponseOutSchema, ResponseQuerySchema
from .openapi import doc, list_of

bp = Blueprint("responses", __name__)
_query, _out = ResponseQuerySchema(), ResponseOutSchema()


@bp.get("")
@doc("List survey responses", query=ResponseQuerySchema, response=list_of("responses", ResponseOutSchema))
def list_responses():
    """Responses in the order they arrived, `limit` per page; filter by survey, stage, completion, time, person."""
    responses, next_cursor = directory.list_responses(db.session, g.project_id, _query.load(request.args))
    return {"responses": _out.dump(responses, many=True), "nextCursor": next_cursor}
