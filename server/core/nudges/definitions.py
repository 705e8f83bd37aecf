"""Nudges of a project: made by hand or proposed from a gap, changed, listed, deleted.

From a gap, the proposal fits the gap: for a communication gap ("we promised it; they never found it") a
tooltip on the feature (a banner when the feature has no selector to point at), measured by exposure; for a
delivery gap ("they find it; it doesn't deliver") a walkthrough: a checklist of opening the feature and
getting its outcome (its mapped event) when the feature has both, else a tooltip that shows how to get value
from it, measured by the condition that failed (adoption, or repeat use). It targets exactly the gap's
people as the engine stored them, with a 20% holdout. A communication gap whose nudge raised exposure but
not use can be proposed again as the delivery gap it turned out to be (`as_type`).
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import NotFound, Unprocessable
from ...models import Feature, Gap, Nudge, Segment
from ...models.base import utcnow
from ...schemas.nudges import NudgeSchema
from ..gaps import flags as gap_flags
from ..projects import config_cache

_schema = NudgeSchema()
CONTENT = ("defaultLocale", "title", "body", "cta", "feature", "position", "steps")


def list_nudges(session: Session, project_id: int) -> list[Nudge]:
    return list(session.scalars(select(Nudge).where(Nudge.project_id == project_id).order_by(Nudge.id)))


def get_nudge(session: Session, project_id: int, nudge_id: int) -> Nudge:
    nudge = session.scalar(select(Nudge).where(Nudge.project_id == project_id, Nudge.id == nudge_id))
    if nudge is None:
        raise NotFound(f"No nudge with id {nudge_id}.")
    return nudge


def create_nudge(session: Session, project_id: int, document: dict) -> Nudge:
    """A nudge from a full definition, or from `{"gap": id, …}`: the proposal, with the fields given replacing it."""
    if "gap" in document:
        proposal = propose(session, project_id, document["gap"])
        document = {**proposal, **{k: v for k, v in document.items() if k != "gap"}}
    data = _schema.load(document)
    _check_references(session, project_id, data)
    target = data["target"]
    nudge = Nudge(
        project_id=project_id,
        name=data["name"],
        kind=data["kind"],
        status=data["status"],
        gap_id=target.get("gap"),
        target=target,
        content={k: data[k] for k in CONTENT if data.get(k) not in (None, [])},
        appearance=data["appearance"],
        holdout=data["holdout"],
        unit=data["unit"],
        metric=data["metric"],
        min_effect=data["minEffect"],
        priority=data["priority"],
        started_at=utcnow() if data["status"] == "active" else None,
    )
    session.add(nudge)
    session.commit()
    config_cache.invalidate(project_id)
    return nudge


def propose(session: Session, project_id: int, gap_id: int, as_type: str | None = None) -> dict:
    """The nudge that fits a gap (see the module's docstring), as a NudgeSchema document; `as_type`: the
    kind of gap to treat it as, when evidence showed it to be another than flagged."""
    gap = session.scalar(select(Gap).where(Gap.project_id == project_id, Gap.id == gap_id))
    if gap is None:
        raise NotFound(f"No gap with id {gap_id}.")
    if gap.type not in ("communication", "delivery") or gap.feature_id is None:
        raise Unprocessable(
            f"Nudges are proposed for communication and delivery gaps; for this {gap.type} gap, make one by hand "
            "and target its segment or stage."
        )
    feature = session.get(Feature, gap.feature_id)
    assert feature is not None  # a gap's feature is deleted with its gaps' link set to NULL
    pointable = bool(feature.selector)
    name = feature.name or feature.key
    kind_of_gap = as_type or gap.type
    walkthrough = None
    if kind_of_gap == "communication":
        body = f"{name} is here: it does what you asked for. Have a look."
        metric = {"measure": "exposure", "feature": feature.key}
    else:
        # The condition that failed: people who saw it and never used it (adoption), else one-day users (repeat).
        failing = _failing(session, gap) if gap.type == "delivery" else []
        body = f"Get more from {name}: a minute here saves you time every day."
        metric = {"measure": "adoption" if "adoption" in failing or not failing else "repeat", "feature": feature.key}
        if pointable and feature.event:
            walkthrough = [
                {"id": "open", "text": f"Open {name}", "feature": feature.key},
                {"id": "outcome", "text": f"Get your first result: {feature.event}", "event": feature.event},
            ]
    return {
        "name": f"Close the {gap_flags.label(gap.key)}" + (f" (as a {as_type} gap)" if as_type else ""),
        "kind": "checklist" if walkthrough else "tooltip" if pointable else "banner",
        "title": f"New: {name}" if kind_of_gap == "communication" else f"Get started with {name}",
        "body": body,
        "feature": feature.key if pointable else None,
        "cta": {"label": "Show me", "action": "show_me"} if pointable and not walkthrough else None,
        "steps": walkthrough or [],
        "target": {"gap": gap.id},
        "holdout": 0.2,
        "metric": metric,
    }


def update_nudge(session: Session, project_id: int, nudge_id: int, changes: dict) -> Nudge:
    """Change status, name or priority; the first activation starts the clock of its results."""
    nudge = get_nudge(session, project_id, nudge_id)
    if changes.get("status") == "active" and nudge.started_at is None:
        nudge.started_at = utcnow()
    for field in ("status", "name", "priority"):
        if field in changes:
            setattr(nudge, field, changes[field])
    session.commit()
    config_cache.invalidate(project_id)
    return nudge


def delete_nudge(session: Session, project_id: int, nudge_id: int) -> None:
    session.delete(get_nudge(session, project_id, nudge_id))
    session.commit()
    config_cache.invalidate(project_id)


def _failing(session: Session, gap: Gap) -> list[str]:
    """The delivery conditions that failed in the gap's latest flagged snapshot."""
    from ...models import GapSnapshot

    evidence = session.scalar(
        select(GapSnapshot.evidence)
        .where(GapSnapshot.gap_id == gap.id, GapSnapshot.flagged.is_(True))
        .order_by(GapSnapshot.window_end.desc())
        .limit(1)
    )
    return list((evidence or {}).get("failing", []))


def _check_references(session: Session, project_id: int, data: dict) -> None:
    """Features, segments and gaps a nudge names must be the project's."""
    keys = {data.get("feature"), data["metric"].get("feature")} | {s.get("feature") for s in data["steps"]}
    keys.discard(None)
    known = set(session.scalars(select(Feature.key).where(Feature.project_id == project_id, Feature.key.in_(keys))))
    if keys - known:
        raise Unprocessable(
            f"No feature {sorted(keys - known)[0]!r} in this project.", {"feature": ["Unknown feature."]}
        )
    target = data["target"]
    if (
        "segment" in target
        and session.scalar(select(Segment.id).where(Segment.project_id == project_id, Segment.key == target["segment"]))
        is None
    ):
        raise Unprocessable(f"No segment {target['segment']!r} in this project.", {"target": ["Unknown segment."]})
    if (
        "gap" in target
        and session.scalar(select(Gap.id).where(Gap.project_id == project_id, Gap.id == target["gap"])) is None
    ):
        raise NotFound(f"No gap with id {target['gap']}.")
