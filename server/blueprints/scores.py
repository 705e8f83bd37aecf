"""/api/v1/scores: NPS, CSAT, response rate, P − E and value gaps, by stage and period (secret key)."""
from flask import Blueprint, g, request

from ..auth import require_secret_key
from ..db import db
from ..schemas.scores import ScoresQuerySchema
from ..services import scores

bp = Blueprint("scores", __name__)
bp.before_request(require_secret_key)
_args = ScoresQuerySchema()


@bp.get("")
def get_scores():
    return scores.scores(db.session, g.project_id, **_args.load(request.args))
