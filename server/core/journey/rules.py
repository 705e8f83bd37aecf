"""A project's journey rules: stored as set, read merged over the defaults."""

from functools import lru_cache

import orjson
from marshmallow import ValidationError
from sqlalchemy.orm import Session

from ...models import Project
from ...schemas.settings import JourneyRulesSchema
from ..projects.settings import stored_setting
from ..surveys import url_rules

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


def checked_rules(new_rules: dict) -> dict:
    """Rules as they will be stored, or a ValidationError naming each field at fault: product URL patterns
    must be in the linear-time subset of survey URL rules, since ingest tests every page's URL against them."""
    rules = rules_schema.load(new_rules)
    problems = {
        i: [reason] for i, p in enumerate(rules["population"]["productUrls"]) if (reason := url_rules.problem(p))
    }
    if problems:
        raise ValidationError({"population": {"productUrls": problems}})
    return rules
