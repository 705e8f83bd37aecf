"""Who the gap engine counts: the people of the product, not everyone the snippet saw.

A person counts when they were seen in the product (a tagged feature, a mobile screen, a page matching the
project's product URL patterns: core.ingest.population notes when) or, unless the project turned it off, when
they are identified. Robots never count, by user agent (they are not even stored) or by behaviour (more
distinct features within a minute than a person uses). Identify, group and alias calls alone never make
anyone active (core.ingest.rollups.ACTIVE_TYPES), so a nightly CRM sync changes no share.
"""

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import Session

from ...models import Person
from ..journey.rules import journey_rules


def population(session: Session, project_id: int) -> ColumnElement[bool]:
    """The condition on Person that the project's population rules (journey rules, `population`) give."""
    rules = journey_rules(session, project_id)["population"]
    seen = [Person.product_at.is_not(None)]
    if rules["identified"]:
        seen.append(Person.user_id.is_not(None))
    return and_(Person.robot.is_(False), or_(*seen))
