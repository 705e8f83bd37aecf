"""Features of a project: create, read, update, delete; always scoped to one project."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db import write_lock_options
from ...errors import Conflict, Unprocessable
from ...models import Feature, Survey
from ..ingest import rollups
from ..journey import stages as journey
from ..storage.keyed import commit_keyed, get_keyed, list_keyed


def list_features(session: Session, project_id: int) -> list[Feature]:
    """A project's features, by key."""
    return list_keyed(session, Feature, project_id)


def get_feature(session: Session, project_id: int, key: str) -> Feature:
    """One feature of the project, or NotFound."""
    return get_keyed(session, Feature, project_id, key)


def create_feature(session: Session, project_id: int, data: dict) -> Feature:
    """Add a feature; its key must be new in the project."""
    feature = Feature(project_id=project_id, **data)
    session.add(feature)
    commit_keyed(session, Feature, project_id, data["key"])
    _backfill(session, project_id, feature, journey_changed=feature.core or feature.aha)
    return feature


def update_feature(session: Session, project_id: int, key: str, changes: dict) -> Feature:
    """Change some fields of a feature; it must keep a selector or an event."""
    feature = get_feature(session, project_id, key)
    before = (feature.event, feature.core, feature.aha)
    for field, value in changes.items():
        setattr(feature, field, value)
    if not feature.selector and not feature.event:
        session.rollback()
        raise Unprocessable(errors={"selector": ["Give a selector, an event, or both."]})
    commit_keyed(session, Feature, project_id, feature.key)
    if before != (feature.event, feature.core, feature.aha):
        _backfill(
            session,
            project_id,
            feature,
            journey_changed=before[1:] != (feature.core, feature.aha) or feature.core or feature.aha,
        )
    return feature


def _backfill(session: Session, project_id: int, feature: Feature, journey_changed: bool) -> None:
    """Count the events sent before the feature existed (or before its event changed); move people on."""
    session.connection(execution_options=write_lock_options())
    rollups.rebuild(session, project_id, feature_ids=[feature.id])
    if journey_changed:
        journey.recompute(session, project_id)
    session.commit()


def delete_feature(session: Session, project_id: int, key: str) -> None:
    """Remove a feature no survey is triggered by (such a survey could never show again)."""
    feature = get_feature(session, project_id, key)
    triggered = [
        s.name
        for s in session.scalars(select(Survey).where(Survey.project_id == project_id))
        if ((s.targeting or {}).get("trigger") or {}).get("feature") == key
    ]
    if triggered:
        raise Conflict(f"Surveys are triggered by feature {key!r}: {', '.join(triggered)}. Change them first.")
    shaped_journey = feature.core or feature.aha
    session.delete(feature)  # its rollups go with it
    commit_keyed(session, Feature, project_id, key)
    if shaped_journey:
        session.connection(execution_options=write_lock_options())
        journey.recompute(session, project_id)
        session.commit()
