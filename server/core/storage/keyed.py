"""What features and segments share: rows of a project found by a key, and commits that guard it."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...errors import Conflict, NotFound
from ..projects import config_cache


def list_keyed(session: Session, model, project_id: int) -> list:
    """The project's rows of `model`, by key."""
    return list(session.scalars(select(model).where(model.project_id == project_id).order_by(model.key)))


def get_keyed(session: Session, model, project_id: int, key: str):
    """The project's row of `model` with this key, or NotFound."""
    row = session.scalar(select(model).where(model.project_id == project_id, model.key == key))
    if row is None:
        raise NotFound(f"No {model.__name__.lower()} with key {key!r}.")
    return row


def commit_keyed(session: Session, model, project_id: int, key: str) -> None:
    """Commit a change; a key already taken is a Conflict. What /v1/config tells trackers may have changed."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"A {model.__name__.lower()} with key {key!r} already exists.") from None
    config_cache.invalidate(project_id)
