"""The journey funnel: people per stage, conversion between stages, median time to each stage, by cohort.

Cohorts are signup weeks (the Monday of the week a person was first seen, UTC). Counts are grouped
in SQL; the medians read one sorted column of durations per stage.
"""

from datetime import date, datetime, timedelta
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import Person
from ..segments import definitions as segments
from ..storage.sql import day_of
from .stages import STAGES

_REACHED = {
    "trial": Person.first_seen,
    "aha": Person.aha_at,
    "activation": Person.activated_at,
    "adoption": Person.adopted_at,
}
_EPOCH = date(1970, 1, 1)


def funnel(
    session: Session,
    project_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
    segment: str | None = None,
    by_cohort: bool = False,
) -> dict:
    """The funnel of the people first seen in [since, until) (everyone by default), optionally in a segment."""
    scope = [Person.project_id == project_id]
    if since is not None:
        scope.append(Person.first_seen >= since)
    if until is not None:
        scope.append(Person.first_seen < until)
    if segment is not None:
        rules = segments.get_segment(session, project_id, segment).rules
        scope.append(Person.id.in_(segments.person_ids_statement(project_id, rules)))
    result = {"filters": {"since": since, "until": until, "segment": segment}, **_funnel(session, scope)}
    if by_cohort:
        result["cohorts"] = _cohorts(session, scope)
    return result


def _funnel(session: Session, scope: list) -> dict:
    counts = select(*(func.count(column).label(stage) for stage, column in _REACHED.items())).where(*scope)
    reached = session.execute(counts).one()._asdict()
    current = dict(session.execute(select(Person.stage, func.count()).where(*scope).group_by(Person.stage)).all())
    return {"stages": [_stage(session, scope, i, stage, reached, current) for i, stage in enumerate(STAGES)]}


def _stage(session, scope, index, stage, reached, current) -> dict:
    entry = {"stage": stage, "reached": reached[stage], "current": current.get(stage, 0)}
    if index:
        before = reached[STAGES[index - 1]]
        entry["conversion"] = reached[stage] / before if before else None
        entry["medianHoursFromFirstSeen"] = _median_hours(session, scope, _REACHED[stage])
    return entry


def _median_hours(session: Session, scope: list, column) -> float | None:
    rows = session.execute(select(Person.first_seen, column).where(*scope, column.is_not(None))).all()
    if not rows:
        return None
    return round(median((reached - first).total_seconds() for first, reached in rows) / 3600, 2)


def _cohorts(session: Session, scope: list) -> list[dict]:
    week = ((day_of(Person.first_seen) + 3) // 7).label("week")
    stmt = (
        select(week, *(func.count(column).label(stage) for stage, column in _REACHED.items()))
        .where(*scope)
        .group_by(week)
        .order_by(week)
    )
    out = []
    for row in session.execute(stmt):
        counts = row._asdict()
        monday = _EPOCH + timedelta(days=counts.pop("week") * 7 - 3)
        out.append(
            {
                "week": monday.isoformat(),
                "stages": [
                    {
                        "stage": s,
                        "reached": counts[s],
                        "conversion": (counts[s] / counts[STAGES[i - 1]] if counts[STAGES[i - 1]] else None)
                        if i
                        else None,
                    }
                    for i, s in enumerate(STAGES)
                ],
            }
        )
    return out
