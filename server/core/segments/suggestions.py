"""What the segment editor suggests: the trait names people have, and their most common values."""

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Person

PEOPLE = 2000  # the most recently seen people are read
KEYS = 50
VALUES = 20
LONGEST = 100


def trait_suggestions(session: Session, project_id: int) -> dict[str, list[str]]:
    """{trait name: its most common values as text}, the most widespread names first, from recent people."""
    found: dict[str, Counter] = {}
    for traits in session.scalars(
        select(Person.traits)
        .where(Person.project_id == project_id, Person.traits.is_not(None))
        .order_by(Person.last_seen.desc())
        .limit(PEOPLE)
    ):
        for key, value in (traits or {}).items():
            if len(key) > LONGEST:
                continue
            seen = found.setdefault(key, Counter())
            if isinstance(value, bool):
                seen["true" if value else "false"] += 1
            elif isinstance(value, str | int | float) and len(str(value)) <= LONGEST:
                seen[str(value)] += 1
            else:
                seen[""] += 0  # the name counts; a list or object is no value to suggest
    widest = sorted(found.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:KEYS]
    return {key: [v for v, n in values.most_common(VALUES) if n and v] for key, values in widest}
