"""/api/v1/journey (the project's journey rules) and /api/v1/funnel (secret key)."""

from flask import Blueprint, g, request

from ..core.journey import funnel, rules, stages
from ..db import db
from ..http.body import read_json_object
from ..schemas.journey import FunnelQuerySchema
from ..schemas.reports import FunnelSchema
from ..schemas.settings import JourneyRulesSchema
from .openapi import doc

bp = Blueprint("journey", __name__)
_funnel_args = FunnelQuerySchema()


@bp.get("/journey")
@doc("The journey rules in force", response=JourneyRulesSchema, tags=["journey"])
def get_rules():
    return rules.journey_rules(db.session, g.project_id)


@bp.put("/journey")
@doc("Replace the journey rules", body=JourneyRulesSchema, response=JourneyRulesSchema, tags=["journey"])
def put_rules():
    """Replace the rules (omitted parts take their defaults); every person's stage is recomputed."""
    return stages.set_journey_rules(db.session, g.project_id, read_json_object())


@bp.get("/funnel")
@doc(
    "The journey funnel",
    query=FunnelQuerySchema,
    response=FunnelSchema,
    tags=["journey"],
    responses={404: "No segment with this key."},
)
def get_funnel():
    args = _funnel_args.load(request.args)
    return funnel.funnel(
        db.session, g.project_id, args["since"], args["until"], args["segment"], by_cohort=args["cohorts"] == "week"
    )
