"""/api/v1/journey (the project's journey rules) and /api/v1/funnel (secret key)."""
from flask import Blueprint, g, request

from ..auth import require_secret_key
from ..body import read_json_object
from ..db import db
from ..schemas.journey import FunnelQuerySchema
from ..services import funnel, settings

bp = Blueprint("journey", __name__)
bp.before_request(require_secret_key)
_funnel_args = FunnelQuerySchema()


@bp.get("/journey")
def get_rules():
    return settings.journey_rules(db.session, g.project_id)


@bp.put("/journey")
def put_rules():
    """Replace the rules (omitted parts take their defaults); every person's stage is recomputed."""
    return settings.set_journey_rules(db.session, g.project_id, read_json_object())


@bp.get("/funnel")
def get_funnel():
    args = _funnel_args.load(request.args)
    return funnel.funnel(db.session, g.project_id, args["since"], args["until"], args["segment"],
                         by_cohort=args["cohorts"] == "week")
