"""/api/v1/responses: the project's survey responses, filtered and paged (secret key)."""
from flask import Blueprint, g, request

from ..auth import require_secret_key
from ..db import db
from ..openapi import doc, list_of
from ..schemas.api import ResponseOutSchema, ResponseQuerySchema
from ..services import directory

bp = Blueprint("responses", __name__)
bp.before_request(require_secret_key)
_query, _out = ResponseQuerySchema(), ResponseOutSchema()


@bp.get("")
@doc("List survey responses", query=ResponseQuerySchema, response=list_of("responses", ResponseOutSchema))
def list_responses():
    """Responses in the order they arrived, `limit` per page; filter by survey, stage, completion, time, person."""
    responses, next_cursor = directory.list_responses(db.session, g.project_id, _query.load(request.args))
    return {"responses": _out.dump(responses, many=True), "nextCursor": next_cursor}
