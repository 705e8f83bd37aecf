"""A project's journey rules: stored as set, read merged over the defaults."""

from functools import lru_cache

import orjson
from sqlalchemy.orm import Session

from ...models import Project
from ...schemas.settings import JourneyRulesSchema
from ..projects.settings import stored_setting

rules_schema = JourneyRulesSchema()


def journey_rules(session: Session, project_id: int, stored: dict | None = None) -> dict:
    """The rules in force: the project's own (`stored`, when already read), defaults for the rest."""
    if stored is None:
        stored = stored_setting(session, project_id, Project.journey_rules)
    return _parsed_rules(orjson.dumps(stored, option=orjson.OPT_SORT_KEYS))


@lru_cache(maxsize=256)
def _parsed_rules(stored: bytes) -> dict:
    # Ingest reads the rules on every batch; the same stored rules parse to the same result.
    return rules_schema.load(orjson.loads(stored))
