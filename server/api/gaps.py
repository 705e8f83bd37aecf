"""/api/v1/gaps: the stored gap report, evaluating it now, remediation, thresholds; /api/v1/accounts/health."""

from flask import Blueprint, g, request

from ..core.gaps import health, thresholds
from ..core.gaps import report as gaps
from ..db import db
from ..http.body import read_json_object
from ..schemas.gap_report import AccountsHealthSchema, GapReportSchema, GapSchema
from ..schemas.gaps import GapsQuerySchema, RemediationSchema
from ..schemas.settings import GapThresholdsSchema
from .openapi import ID, doc

bp = Blueprint("gaps", __name__)
_query, _remediation = GapsQuerySchema(), RemediationSchema()


@bp.get("/gaps")
@doc("The gap report as last evaluated (no measuring)", query=GapsQuerySchema, response=GapReportSchema, tags=["gaps"])
def get_report():
    """The stored report of the latest evaluated window (or the window ending on `at`), with `measuredAt`."""
    return gaps.read(db.session, g.project_id, _query.load(request.args)["at"])


@bp.post("/gaps/evaluate")
@doc("Evaluate the gaps now", query=GapsQuerySchema, body=GapsQuerySchema, response=GapReportSchema, tags=["gaps"])
def evaluate():
    """Measure the window ending today (or on `at`, from the query or a JSON body), store it, send its webhooks."""
    args = read_json_object() if request.content_length else request.args
    return gaps.evaluate(db.session, g.project_id, _query.load(args)["at"])


@bp.patch(f"/gaps/<{ID}:gap_id>")
@doc("Record a gap's remediation", body=RemediationSchema, response=GapSchema, tags=["gaps"])
def update_gap(gap_id):
    return gaps.update_remediation(db.session, g.project_id, gap_id, _remediation.load(read_json_object()))


@bp.get("/gaps/thresholds")
@doc("The gap thresholds in force", response=GapThresholdsSchema, tags=["gaps"])
def get_thresholds():
    return thresholds.gap_thresholds(db.session, g.project_id)


@bp.put("/gaps/thresholds")
@doc("Replace the gap thresholds", body=GapThresholdsSchema, response=GapThresholdsSchema, tags=["gaps"])
def put_thresholds():
    """Replace the thresholds (omitted ones take their defaults)."""
    return thresholds.set_gap_thresholds(db.session, g.project_id, read_json_object())


@bp.get("/accounts/health")
@doc("Account health, at-risk first", query=GapsQuerySchema, response=AccountsHealthSchema, tags=["accounts"])
def accounts_health():
    return {"accounts": health.accounts(db.session, g.project_id, _query.load(request.args)["at"])}
