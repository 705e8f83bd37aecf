"""Features of a project: create, read, update, delete; always scoped to one project."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound, Unprocessable
from ..models import Feature
from . import config_cache


def list_features(session: Session, project_id: int) -> list[Feature]:
    """A project's features, by key."""
    return list(session.scalars(select(Feature).where(Feature.project_id == project_id).order_by(Feature.key)))


def get_feature(session: Session, project_id: int, key: str) -> Feature:
    """One feature of the project, or NotFound."""
    feature = session.scalar(select(Feature).where(Feature.project_id == project_id, Feature.key == key))
    if feature is None:
        raise NotFound(f"No feature with key {key!r}.")
    return feature


def create_feature(session: Session, project_id: int, data: dict) -> Feature:
    """Add a feature; its key must be new in the project."""
    feature = Feature(project_id=project_id, **data)
    session.add(feature)
    _commit(session, project_id, data["key"])
    return feature


def update_feature(session: Session, project_id: int, key: str, changes: dict) -> Feature:
    """Change some fields of a feature; it must keep a selector or an event."""
    feature = get_feature(session, project_id, key)
    for field, value in changes.items():
        setattr(feature, field, value)
    if not feature.selector and not feature.event:
        session.rollback()
        raise Unprocessable(errors={"selector": ["Give a selector, an event, or both."]})
    _commit(session, project_id, feature.key)
    return feature


def delete_feature(session: Session, project_id: int, key: str) -> None:
    """Remove a feature."""
    session.delete(get_feature(session, project_id, key))
    _commit(session, project_id, key)


def _commit(session: Session, project_id: int, key: str) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"A feature with key {key!r} already exists.") from None
    config_cache.invalidate(project_id)
