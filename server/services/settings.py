"""A project's journey rules and gap thresholds: stored as set, read merged over the defaults."""
from functools import lru_cache

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import begin_write
from ..errors import NotFound
from ..models import Project
from ..schemas.settings import GapThresholdsSchema, JourneyRulesSchema

_rules, _thresholds = JourneyRulesSchema(), GapThresholdsSchema()


def journey_rules(session: Session, project_id: int, stored: dict | None = None) -> dict:
    """The rules in force: the project's own (`stored`, when already read), defaults for the rest."""
    if stored is None:
        stored = _stored(session, project_id, Project.journey_rules)
    return _parsed_rules(orjson.dumps(stored, option=orjson.OPT_SORT_KEYS))


@lru_cache(maxsize=256)
def _parsed_rules(stored: bytes) -> dict:
    # Ingest reads the rules on every batch; the same stored rules parse to the same result.
    return _rules.load(orjson.loads(stored))


def gap_thresholds(session: Session, project_id: int) -> dict:
    """The thresholds in force: the project's own, defaults for the rest."""
    return _thresholds.load(_stored(session, project_id, Project.gap_thresholds))


def set_journey_rules(session: Session, project_id: int, rules: dict) -> dict:
    """Replace the rules and put every person on the stage the new rules give (one transaction)."""
    from . import journey

    begin_write(session)
    project = _project(session, project_id)
    project.journey_rules = _rules.dump(_rules.load(rules))
    journey.recompute(session, project_id)
    session.commit()
    return journey_rules(session, project_id)


def set_gap_thresholds(session: Session, project_id: int, thresholds: dict) -> dict:
    """Replace the thresholds; the next report uses them."""
    project = _project(session, project_id)
    project.gap_thresholds = _thresholds.dump(_thresholds.load(thresholds))
    session.commit()
    return gap_thresholds(session, project_id)


def _stored(session: Session, project_id: int, column) -> dict:
    value = session.scalar(select(column).where(Project.id == project_id))
    return value or {}


def _project(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("No such project.")
    return project
