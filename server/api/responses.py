"""/api/v1/responses: the project's survey responses, filtered and paged (secret key)."""

from flask import Blueprint, g, request

from gapwise.api.openapi import doc, list_of
from gapwise.core.people import directory
from gapwise.db import db
from gapwise.schemas.api import ResponseOutSchema, ResponseQuerySchema

bp = Blueprint("responses", __name__)
_query, _out = ResponseQuerySchema(), ResponseOutSchema()


@bp.get("")
@doc("List survey responses", query=ResponseQuerySchema, response=list_of("responses", ResponseOutSchema))
def list_responses():
    """Responses in the order they arrived, `limit` per page; filter by survey, stage, completion, time, person."""
    responses, next_cursor = directory.list_responses(db.session, g.project_id, _query.load(request.args))
    return {"responses": _out.dump(responses, many=True), "nextCursor": next_cursor}
