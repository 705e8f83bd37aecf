"""/api/v1/scores: NPS, CSAT, response rate, P − E and value gaps, by stage and period (secret key)."""

from flask import Blueprint, g, request

from ..core.surveys import scores
from ..db import db
from ..schemas.reports import ScoresSchema
from ..schemas.scores import ScoresQuerySchema
from .openapi import doc

bp = Blueprint("scores", __name__)
_args = ScoresQuerySchema()


@bp.get("")
@doc(
    "NPS, CSAT, response rate, P − E and value gaps",
    query=ScoresQuerySchema,
    response=ScoresSchema,
    responses={404: "No segment with this key, or no survey with this id."},
)
def get_scores():
    return scores.scores(db.session, g.project_id, **_args.load(request.args))
