"""Which active surveys compete with one for the same people and pages, so the builder can say what comes first.

Each person gets one survey or nudge a page load and none within the project cooldown after one, so surveys
whose audiences and pages overlap take turns: a due welcome survey first and alone, then the highest priority.
Audiences overlap when either survey is for everyone or both name the same segment (two different segments
may share people too: they are listed apart, as "may overlap"); pages overlap unless both URL rules are plain
text that cannot match the same page.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Survey


def competitors(
    session: Session, project_id: int, survey_id: int | None, kind: str, segment: str | None, url: dict | None
) -> dict:
    """{"welcome": the active welcome survey this one waits for, or None; "competing": the other active surveys
    for the same people and pages, highest priority first; "mayOverlap": those on another segment}."""
    found = session.scalars(
        select(Survey)
        .where(Survey.project_id == project_id, Survey.status == "active", Survey.id != (survey_id or 0))
        .order_by(Survey.id)
    )
    welcome, competing, may_overlap = None, [], []
    for other in found:
        t = other.targeting or {}
        if not _pages_overlap(url, t.get("url")):
            continue
        row = {"id": other.id, "name": other.name, "kind": other.kind, "priority": t.get("priority", 0)}
        theirs = t.get("segment")
        if other.kind == "welcome" and kind != "welcome":
            welcome = welcome or row
        elif segment is None or theirs is None or theirs == segment:
            competing.append(row)
        else:
            may_overlap.append({**row, "segment": theirs})
    competing.sort(key=lambda r: (-r["priority"], r["id"]))
    return {"welcome": welcome, "competing": competing, "mayOverlap": may_overlap}


def _pages_overlap(a: dict | None, b: dict | None) -> bool:
    """Could one page match both URL rules? Any page, or a regular expression, could; plain text is compared."""
    if not a or not b or "regex" in (a.get("match"), b.get("match")):
        return True
    x, y = a.get("value", ""), b.get("value", "")
    if a.get("match") == b.get("match") == "exact":
        return x == y
    if a.get("match") == "exact":
        return y in x
    if b.get("match") == "exact":
        return x in y
    return True  # two "contains" rules: a URL can hold both texts
