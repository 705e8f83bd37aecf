"""Dashboard overview and gap report: the journey funnel, NPS/CSAT trends, account health, gaps and their remediation.

Views read the same services as the admin API (funnel, scores, health, gaps) and shape their answers for
the page with the presenters `charts` (Chart.js configurations) and `gap_text` (evidence in words). The
people pages (`people`) are routes of this blueprint too.
"""

from datetime import UTC, datetime, timedelta

from flask import flash, redirect, request, url_for
from marshmallow import ValidationError

from ... import formats
from ...api.openapi import ID
from ...core.gaps import flags as gap_flags
from ...core.gaps import health
from ...core.gaps import report as gap_engine
from ...core.journey import funnel
from ...core.nudges import definitions as nudges
from ...core.segments import definitions as segments
from ...core.surveys import scores
from ...db import db
from ...schemas.gaps import GapsQuerySchema, RemediationSchema
from ..frame import project_page, render_page, ui_blueprint
from ..presenters import charts as ui_charts
from ..presenters.gap_text import STATUSES, describe

bp = ui_blueprint("ui_overview")
WEEKS = (4, 12, 26, 52)
TOP_GAPS, AT_RISK_SHOWN = 5, 10
FIELD_NAMES = {"status": "Status", "owner": "Owner", "note": "Note", "dueDate": "Due date"}
_at_query, _remediation = GapsQuerySchema(), RemediationSchema()


@bp.get("/p/<int:project_id>/")
@project_page("viewer")
def overview(project_id):
    """The funnel and scores of the last weeks, the top gaps and the accounts at risk."""
    weeks = request.args.get("weeks", type=int)
    weeks = weeks if weeks in WEEKS else 12
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(days=today.weekday(), weeks=weeks - 1)  # a Monday, so every week is whole
    journey = funnel.funnel(db.session, project_id, since=since)
    score = scores.scores(db.session, project_id, since=since, period="week")
    report = gap_engine.read(db.session, project_id)
    accounts = health.accounts(db.session, project_id, report=report)
    entries = _described(project_id, report)
    flagged = [g for g in entries if g["flagged"]]
    at_risk = [a for a in accounts if a["atRisk"]]
    return render_page(
        "ui/overview/overview.html",
        weeks=weeks,
        week_choices=WEEKS,
        since=since,
        funnel=journey,
        scores=score,
        charts={
            "funnel": ui_charts.funnel_chart(journey),
            "nps": ui_charts.nps_chart(score["byPeriod"]),
            "rates": ui_charts.rates_chart(score["byPeriod"]),
        },
        top_gaps=flagged[:TOP_GAPS],
        gap_count=len(flagged),
        gaps_measured_at=report["measuredAt"],
        accounts=accounts,
        at_risk=at_risk[:AT_RISK_SHOWN],
        at_risk_count=len(at_risk),
        at_risk_mrr=sum(a["mrr"] or 0 for a in at_risk),
        week_label=ui_charts.week_label,
    )


@bp.get("/p/<int:project_id>/gaps")
@project_page("viewer")
def gaps(project_id):
    """The stored gap report of the window ending on `at` (the latest evaluated by default), by priority."""
    at_text = request.args.get("at", "").strip()
    try:
        at = _at_query.load({"at": at_text} if at_text else {})["at"]
    except ValidationError as error:
        return _report_page(project_id, None, at_text, at_error=_first(error.normalized_messages())), 422
    return _report_page(project_id, at, at_text)


@bp.post(f"/p/<int:project_id>/gaps/<{ID}:gap_id>/remediation")
@project_page("editor")
def remediation(project_id, gap_id):
    """Record a gap's owner, status, note and due date; errors are shown beside the form with the input kept."""
    form = {
        "status": request.form.get("status", ""),
        "owner": request.form.get("owner", "").strip() or None,
        "note": request.form.get("note", "").strip() or None,
        "dueDate": request.form.get("dueDate", "").strip() or None,
    }
    at_text = request.form.get("at", "").strip()
    at = _parsed_at(at_text)
    try:
        changes = _remediation.load(form)
    except ValidationError as error:
        return _report_page(
            project_id, at, at_text, form_gap=gap_id, form_values=form, form_errors=error.normalized_messages()
        ), 422
    saved = gap_engine.update_remediation(db.session, project_id, gap_id, changes)
    flash(f"Remediation of the {gap_flags.label(saved['key'])} saved.")
    return redirect(
        url_for("ui_overview.gaps", project_id=project_id, at=at_text if at else None, _anchor=f"gap-{gap_id}")
    )


def _report_page(project_id: int, at: datetime | None, at_text: str, **form) -> str:
    """The gap report page; `form` carries a rejected remediation form or `at` to show again with its errors."""
    report = gap_engine.read(db.session, project_id, at)
    entries = _described(project_id, report)
    flagged = [g for g in entries if g["flagged"]]
    return render_page(
        "ui/overview/gaps.html",
        report=report,
        gaps=entries,
        flagged_count=len(flagged),
        matrix=ui_charts.matrix_chart(flagged),
        at_text=at_text,
        window_span=formats.span(report["window"]["start"], report["window"]["end"] - timedelta(days=1)),
        statuses=STATUSES,
        nudges_by_gap={n.gap_id: n for n in nudges.list_nudges(db.session, project_id) if n.gap_id},
        form_gap=form.get("form_gap"),
        form_values=form.get("form_values", {}),
        form_errors=form.get("form_errors", {}),
        at_error=form.get("at_error"),
        listed_ids={g["id"] for g in entries},
        field_names=FIELD_NAMES,
    )


def _described(project_id: int, report: dict) -> list[dict]:
    names = {s.key: s.name for s in segments.list_segments(db.session, project_id)}
    entries, rank = [], 0
    for entry in report["gaps"]:
        rank += entry["flagged"]
        entries.append(describe(entry, rank if entry["flagged"] else None, report["thresholds"], names))
    return entries


def _parsed_at(text: str) -> datetime | None:
    """The `at` a form carried back, or None (today) when it is empty or unreadable."""
    try:
        return _at_query.load({"at": text})["at"] if text else None
    except ValidationError:
        return None


def _first(messages: dict) -> str:
    """The first message of a marshmallow error dict, as one line."""
    for value in messages.values():
        return value[0] if isinstance(value, list) else str(value)
    return "The input is invalid."
