"""A project's gap thresholds: stored as set, read merged over the defaults."""

from sqlalchemy.orm import Session

from ...models import Project
from ...schemas.settings import GapThresholdsSchema
from ..projects.settings import get_project, stored_setting

_thresholds = GapThresholdsSchema()


def gap_thresholds(session: Session, project_id: int) -> dict:
    """The thresholds in force: the project's own, defaults for the rest."""
    return _thresholds.load(stored_setting(session, project_id, Project.gap_thresholds))


def set_gap_thresholds(session: Session, project_id: int, thresholds: dict) -> dict:
    """Replace the thresholds; the next report uses them."""
    project = get_project(session, project_id)
    project.gap_thresholds = _thresholds.dump(_thresholds.load(thresholds))
    session.commit()
    return gap_thresholds(session, project_id)
