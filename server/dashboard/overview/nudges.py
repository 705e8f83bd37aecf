"""Dashboard nudges: "Close this gap" from a gap card, the list, and one nudge with its results.

Routes of the ui_overview blueprint. A nudge made from a gap starts as a draft showing the proposal (kind,
feature, texts, who it reaches and the holdout); launching it makes it active. Its page reads the results
as GET /api/v1/nudges/<id>/results does (nothing is written by reading).
"""

from flask import flash, redirect, request, url_for

from ... import formats
from ...api.openapi import ID, INT_ID
from ...core.gaps import flags as gap_flags
from ...core.gaps import people as gap_people
from ...core.gaps import report as gap_engine
from ...core.nudges import definitions as nudges
from ...core.nudges import results as nudge_results
from ...db import db
from ...errors import ApiError
from ...models import Gap
from ..frame import project_page, render_page
from .base import bp

ACTIONS = {"launch": "active", "pause": "paused", "end": "ended"}
MEASURES = {
    "exposure": "saw {feature}",
    "adoption": "used {feature}",
    "repeat": "used {feature} on two days or more",
    "event": "sent {event}",
}


@bp.post(f"/p/<int:project_id>/gaps/<{ID}:gap_id>/nudge")
@project_page("editor")
def close_gap(project_id, gap_id):
    """Propose the nudge that fits the gap, as a draft to look over before launching it."""
    try:
        nudge = nudges.create_nudge(db.session, project_id, {"gap": gap_id})
    except ApiError as error:
        db.session.rollback()
        flash(f"No nudge was made: {error.message}")
        return redirect(url_for("ui_overview.gaps", project_id=project_id, _anchor=f"gap-{gap_id}"))
    flash("Here is the nudge proposed for this gap. Look it over, then launch it.")
    return redirect(url_for("ui_overview.nudge", project_id=project_id, nudge_id=nudge.id))


@bp.get("/p/<int:project_id>/nudges")
@project_page("viewer")
def nudge_list(project_id):
    return render_page("ui/overview/nudges.html", nudges=nudges.list_nudges(db.session, project_id))


@bp.get(f"/p/<int:project_id>/nudges/<{INT_ID}:nudge_id>")
@project_page("viewer")
def nudge(project_id, nudge_id):
    """The nudge as its people see it, who it reaches, and treatment against holdout."""
    found = nudges.get_nudge(db.session, project_id, nudge_id)
    gap = db.session.get(Gap, found.gap_id) if found.gap_id else None
    outcome = nudge_results.results(db.session, project_id, nudge_id)
    metric = found.metric
    return render_page(
        "ui/overview/nudge.html",
        nudge=found,
        content=found.content,
        locale=found.content.get("defaultLocale", "en"),
        gap_label=gap_flags.label(gap.key) if gap else None,
        gap_people=len(gap_people.affected(db.session, project_id, gap.id)) if gap else None,
        success=MEASURES[metric["measure"]].format(feature=metric.get("feature"), event=metric.get("event")),
        results=outcome,
        resolvable=gap is not None and gap.status != "resolved" and closes(outcome),
    )


@bp.post(f"/p/<int:project_id>/nudges/<{INT_ID}:nudge_id>/resolve")
@project_page("editor")
def resolve_gap(project_id, nudge_id):
    """Mark the nudge's gap resolved, with the results as its note, once the nudge works and the gap has closed
    in the treatment arm; the gap engine still checks it against the next window."""
    found = nudges.get_nudge(db.session, project_id, nudge_id)
    outcome = nudge_results.results(db.session, project_id, nudge_id)
    if found.gap_id is None or not closes(outcome):
        flash("The gap was not resolved: the nudge has not been shown to work and close it in its treatment arm yet.")
        return redirect(url_for("ui_overview.nudge", project_id=project_id, nudge_id=nudge_id))
    gap = gap_engine.update_remediation(
        db.session, project_id, found.gap_id, {"status": "resolved", "note": evidence(found.name, outcome)}
    )
    flash(f"The {gap_flags.label(gap['key'])} is marked resolved, with the nudge's results as evidence.")
    return redirect(url_for("ui_overview.gaps", project_id=project_id, _anchor=f"gap-{found.gap_id}"))


def closes(outcome: dict) -> bool:
    """The nudge works and, in its treatment arm, the gap's measure is back past its threshold."""
    return outcome["verdict"] == "works" and outcome["treatment"]["severity"] == 0


def evidence(name: str, outcome: dict) -> str:
    """The results in one sentence, for the gap's remediation note."""
    t, h, lift = outcome["treatment"], outcome["holdout"], outcome["lift"]
    return (
        f"Closed by the nudge “{name}”: {formats.percent(t['rate'])} of {formats.count(t['n'])} in treatment against "
        f"{formats.percent(h['rate'])} of {formats.count(h['n'])} held out, a lift of {lift['value'] * 100:+.1f} "
        f"points (95% interval {lift['low'] * 100:+.1f} to {lift['high'] * 100:+.1f}); verdict: works."
    )[:2000]


@bp.post(f"/p/<int:project_id>/nudges/<{INT_ID}:nudge_id>/reclassify")
@project_page("editor")
def reclassify_gap(project_id, nudge_id):
    """The nudge raised exposure but not use: record on the gap that it is a delivery gap, with both lifts as
    evidence, and propose the delivery nudge (a walkthrough) for the same people, as a draft."""
    found = nudges.get_nudge(db.session, project_id, nudge_id)
    diagnosis = nudge_results.results(db.session, project_id, nudge_id).get("diagnosis")
    if found.gap_id is None or not diagnosis or diagnosis["kind"] != "delivery":
        flash("Nothing was re-classified: the results do not show a delivery gap.")
        return redirect(url_for("ui_overview.nudge", project_id=project_id, nudge_id=nudge_id))
    gap_engine.update_remediation(
        db.session, project_id, found.gap_id, {"status": "in_progress", "note": reclassified(found.name, diagnosis)}
    )
    proposal = nudges.propose(db.session, project_id, found.gap_id, as_type="delivery")
    made = nudges.create_nudge(db.session, project_id, proposal)
    flash("The gap is noted as a delivery gap, with the evidence. Here is a walkthrough for the same people.")
    return redirect(url_for("ui_overview.nudge", project_id=project_id, nudge_id=made.id))


def reclassified(name: str, diagnosis: dict) -> str:
    """The re-classification and its evidence in one sentence, for the gap's remediation note."""
    seen, used = diagnosis["exposureLift"], diagnosis["adoptionLift"]
    return (
        f"A delivery gap, not a communication gap: the nudge “{name}” raised exposure by {seen['value'] * 100:+.1f} "
        f"points (95% interval {seen['low'] * 100:+.1f} to {seen['high'] * 100:+.1f}) but use by "
        f"{used['value'] * 100:+.1f} points (95% interval {used['low'] * 100:+.1f} to {used['high'] * 100:+.1f})."
    )[:2000]


@bp.post(f"/p/<int:project_id>/nudges/<{INT_ID}:nudge_id>")
@project_page("editor")
def nudge_status(project_id, nudge_id):
    """Launch, pause or end a nudge."""
    action = request.form.get("action", "")
    if action not in ACTIONS:
        flash("Nothing was changed: choose launch, pause or end.")
    else:
        changed = nudges.update_nudge(db.session, project_id, nudge_id, {"status": ACTIONS[action]})
        flash(f"Nudge “{changed.name}” is now {changed.status}.")
    return redirect(url_for("ui_overview.nudge", project_id=project_id, nudge_id=nudge_id))
