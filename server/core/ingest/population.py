"""Who is a person of the product, as messages arrive: when each was first seen in it, and who is a robot.

A message puts its person in the product when it uses a tagged feature (feature_used / feature_seen or a
mapped event), is a mobile `screen`, or comes from a page whose URL matches one of the project's product URL
patterns (journey rules, `population.productUrls`). Identified people count anyway unless the project says
otherwise (core.gaps.population reads both). A person who uses more than `robotFeaturesPerMinute` distinct
features within any minute (this chunk's uses and the stored ones around them) is marked a robot for good.
"""

import re
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...models import Event, Person
from ..journey.rules import journey_rules
from ..storage.sql import member_of
from . import rollups

_PEOPLE = Person.__table__
MINUTE = timedelta(minutes=1)
MAX_ROWS = 20_000  # stored feature uses read back per chunk to judge robots; more than enough for any minute
URL_LENGTH = 2000  # as the tracker, the first 2,000 characters of a URL are tested


def first_in_product(
    session: Session, project_id: int, features: rollups.ProjectFeatures, stored: list[tuple[int, dict]]
) -> dict[int, datetime]:
    """When each of the chunk's people was first seen in the product in it (people.touch_people stores it)."""
    patterns = _compiled(tuple(_rules(session, project_id, features)["productUrls"]))
    first: dict[int, datetime] = {}
    for person, m in stored:
        at = m["timestamp"]
        used = m["type"] == "track" and any(True for _ in rollups.feature_uses(features, m))
        if (used or m["type"] == "screen" or _on_product_page(patterns, m)) and (
            person not in first or at < first[person]
        ):
            first[person] = at
    return first


def mark_robots(session: Session, project_id: int, features: rollups.ProjectFeatures, stored: list[tuple[int, dict]]):
    """Mark the chunk's people who use more distinct features within a minute than a person does."""
    uses: dict[int, tuple[datetime, datetime]] = {}
    for person, m in stored:
        if m["type"] == "track" and any(True for _ in rollups.feature_uses(features, m)):
            at = m["timestamp"]
            lo, hi = uses.get(person, (at, at))
            uses[person] = (min(lo, at), max(hi, at))
    limit = _rules(session, project_id, features)["robotFeaturesPerMinute"]
    robots = _robots(session, project_id, features, uses, limit)
    if robots:
        session.execute(
            update(_PEOPLE)
            .where(member_of(_PEOPLE.c.id, sorted(robots)), _PEOPLE.c.robot.is_(False))
            .values(robot=True)
        )


def _rules(session: Session, project_id: int, features: rollups.ProjectFeatures) -> dict:
    return journey_rules(session, project_id, features.stored_rules)["population"]


@lru_cache(maxsize=256)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    compiled = []
    for p in patterns:
        try:
            compiled.append(re.compile(p))
        except re.error:  # stored before it was checked: a pattern Python cannot read matches nothing
            continue
    return tuple(compiled)


def page_url(m: dict) -> str | None:
    """The page a message was sent from: a page view's properties.url, else the tracker's context.page.url."""
    url = m["properties"].get("url") if m["type"] == "page" and isinstance(m.get("properties"), dict) else None
    if not isinstance(url, str):
        page = (m.get("context") or {}).get("page")
        url = page.get("url") if isinstance(page, dict) else None
    return url if isinstance(url, str) else None


def _on_product_page(patterns: tuple[re.Pattern, ...], m: dict) -> bool:
    if not patterns or m["type"] not in ("page", "track"):
        return False
    url = page_url(m)
    return url is not None and any(p.search(url[:URL_LENGTH]) for p in patterns)


def _robots(session, project_id, features, uses: dict[int, tuple[datetime, datetime]], limit: int) -> set[int]:
    """People whose feature uses, stored now and before, hold more than `limit` distinct features in a minute."""
    if not uses:
        return set()
    since = min(lo for lo, _ in uses.values()) - MINUTE
    until = max(hi for _, hi in uses.values()) + MINUTE
    rows = session.execute(
        select(Event.person_id, Event.name, Event.properties, Event.timestamp)
        .where(
            Event.project_id == project_id,
            member_of(Event.person_id, sorted(uses)),
            Event.type == "track",
            Event.timestamp >= since,
            Event.timestamp <= until,
        )
        .limit(MAX_ROWS)
    ).all()
    timeline: dict[int, list[tuple[datetime, int]]] = {}
    for r in rows:
        m = {"type": "track", "event": r.name, "properties": r.properties or {}}
        for feature, _ in rollups.feature_uses(features, m):
            timeline.setdefault(r.person_id, []).append((r.timestamp, feature))
    return {person for person, used in timeline.items() if _most_in_a_minute(used) > limit}


def _most_in_a_minute(used: list[tuple[datetime, int]]) -> int:
    """The most distinct features among uses that fall within one minute of each other (a sliding window)."""
    used.sort()
    best, start, inside = 0, 0, dict[int, int]()
    for at, feature in used:
        inside[feature] = inside.get(feature, 0) + 1
        while used[start][0] < at - MINUTE:
            old = used[start][1]
            inside[old] -= 1
            if not inside[old]:
                del inside[old]
            start += 1
        best = max(best, len(inside))
    return best
