"""Each feature's recent usage for the features page: who saw it, used it, used it on two days or more."""

from datetime import datetime

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from ...models import FeatureUsage
from ...models.base import utcnow
from ..storage.sql import day_number


def recent_usage(session: Session, project_id: int, days: int = 30, now: datetime | None = None) -> dict[int, dict]:
    """{feature id: {"saw", "used", "repeat"}} over the last `days` UTC days (today included), from the rollups.

    `saw` counts everyone with a rollup row for the feature (seen or used it, as the gap report's exposure),
    `used` those who clicked it or sent its event, `repeat` those who used it on two days or more.
    """
    today = day_number(now or utcnow())
    uses = FeatureUsage.used + FeatureUsage.events
    per_person = (
        select(
            FeatureUsage.feature_id,
            func.sum(uses).label("uses"),
            func.count(distinct(case((uses > 0, FeatureUsage.day)))).label("use_days"),
        )
        .where(FeatureUsage.project_id == project_id, FeatureUsage.day > today - days, FeatureUsage.day <= today)
        .group_by(FeatureUsage.feature_id, FeatureUsage.person_id)
        .subquery("per_person")
    )
    stmt = select(
        per_person.c.feature_id,
        func.count().label("saw"),
        func.sum(case((per_person.c.uses > 0, 1), else_=0)).label("used"),
        func.sum(case((per_person.c.use_days >= 2, 1), else_=0)).label("repeat"),
    ).group_by(per_person.c.feature_id)
    return {r.feature_id: {"saw": r.saw, "used": int(r.used), "repeat": int(r.repeat)} for r in session.execute(stmt)}
