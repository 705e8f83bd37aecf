"""A project's own settings (allowed origins, survey cooldown, time zone): read and changed as one."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import NotFound
from ...models import Project
from ...schemas.project_settings import ProjectSettingsSchema
from . import config_cache, keys

_schema = ProjectSettingsSchema()


def project_settings(session: Session, project_id: int) -> dict:
    """The settings as the API shape names them: allowedOrigins, surveyCooldownHours, timezone."""
    return _schema.dump(get_project(session, project_id))


def update_project_settings(session: Session, project_id: int, data: dict) -> dict:
    """Validate and replace the settings; ingest and /v1/config in this process see them at once."""
    changes = _schema.load(data)
    project = get_project(session, project_id)
    for field, value in changes.items():
        setattr(project, field, value)
    session.commit()
    # Other processes pick the change up when their caches expire (a few seconds).
    config_cache.invalidate(project_id)
    keys.forget_cached_keys()
    return _schema.dump(project)


def get_project(session: Session, project_id: int) -> Project:
    """The project, or NotFound."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("No such project.")
    return project


def stored_setting(session: Session, project_id: int, column) -> dict:
    """A JSON settings column (journey rules, gap thresholds) as the project stored it ({} when unset)."""
    return session.scalar(select(column).where(Project.id == project_id)) or {}
