"""What the gap engine measures in a window, by SQL aggregation over the rollups.

A window is [start, end) in whole UTC days. Cohorts are people filters: everyone, the stage people were
in when the window began, or a segment. Every figure is a count grouped in SQL; Python only divides.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, distinct, func, literal, select, true, union_all
from sqlalchemy.orm import Session

from ...models import Account, Activity, Feature, FeatureUsage, Person, PersonGoal
from ..journey.stages import NEXT, stage_at_expression
from ..storage.sql import day_of

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Window:
    """[start, end) in days since 1970-01-01 UTC."""

    start: int
    end: int

    @property
    def since(self) -> datetime:
        return _EPOCH + timedelta(days=self.start)

    @property
    def until(self) -> datetime:
        return _EPOCH + timedelta(days=self.end)

    def previous(self) -> "Window":
        return Window(2 * self.start - self.end, self.start)

    def shifted(self, days: int) -> "Window":
        return Window(self.start - days, self.end - days)


@dataclass(frozen=True)
class Cohort:
    """A named filter over people: "all", "stage:aha", "segment:ads-trials"."""

    name: str
    where: ColumnElement[bool]


def everyone(population: ColumnElement[bool] | None = None) -> Cohort:
    """The whole population (gaps.population): everyone the gap engine counts."""
    return Cohort("all", population if population is not None else true())


def active_people(project_id: int, window: Window, who: ColumnElement[bool] | None = None):
    """Who did something in the product on a day of the window (rollups.ACTIVE_TYPES), among `who`."""
    stmt = select(Activity.person_id).where(
        Activity.project_id == project_id, Activity.day >= window.start, Activity.day < window.end
    )
    if who is not None:
        stmt = stmt.join(Person, Person.id == Activity.person_id).where(who)
    return stmt.distinct()


def per_person_feature(project_id: int, window: Window):
    """One row per person and feature touched in the window: did they use it, and on how many days."""
    uses = FeatureUsage.used + FeatureUsage.events
    return (
        select(
            FeatureUsage.person_id,
            FeatureUsage.feature_id,
            func.sum(uses).label("uses"),
            func.count(distinct(case((uses > 0, FeatureUsage.day)))).label("use_days"),
        )
        .where(FeatureUsage.project_id == project_id, FeatureUsage.day >= window.start, FeatureUsage.day < window.end)
        .group_by(FeatureUsage.person_id, FeatureUsage.feature_id)
    )


def goal_map(features: list[Feature]):
    """(goal, feature id) pairs as a SELECT, the same on SQLite and PostgreSQL."""
    pairs = [select(literal(g).label("goal"), literal(f.id).label("feature_id")) for f in features for g in f.goals]
    return union_all(*pairs) if len(pairs) > 1 else pairs[0] if pairs else None


def expecters(project_id: int, features: list[Feature]):
    """(person, feature) for everyone who chose a goal a feature serves."""
    mapping = goal_map(features)
    if mapping is None:
        return None
    m = mapping.subquery("goal_map")
    return (
        select(PersonGoal.person_id, m.c.feature_id)
        .join(m, m.c.goal == PersonGoal.goal)
        .where(PersonGoal.project_id == project_id)
        .distinct()
    )


def feature_counts(
    session: Session, project_id: int, window: Window, features: list[Feature], cohort: Cohort, split=None
) -> dict:
    """Per feature: active, exposed, users, repeaters, and for those who expected it, exposed and users.

    With `split` (a SQL expression over people, such as their stage), the same figures per value of it in
    the same three statements: {value: {feature id: counts}}.
    """
    key = (split if split is not None else literal("all")).label("part")
    active = active_people(project_id, window).subquery("active")
    pf = per_person_feature(project_id, window).subquery("pf")
    actives: dict[str, int] = dict(
        session.execute(
            select(key, func.count())
            .select_from(active)
            .join(Person, Person.id == active.c.person_id)
            .where(cohort.where)
            .group_by(key)
        ).all()
    )
    parts = {
        part: {
            f.id: {
                "active": n,
                "exposed": 0,
                "users": 0,
                "repeaters": 0,
                "expected": 0,
                "expectedExposed": 0,
                "expectedUsers": 0,
            }
            for f in features
        }
        for part, n in actives.items()
    }
    for r in session.execute(
        select(
            key,
            pf.c.feature_id,
            func.count().label("exposed"),
            func.sum(case((pf.c.uses > 0, 1), else_=0)).label("users"),
            func.sum(case((pf.c.use_days >= 2, 1), else_=0)).label("repeaters"),
        )
        .join(active, active.c.person_id == pf.c.person_id)
        .join(Person, Person.id == pf.c.person_id)
        .where(cohort.where)
        .group_by(key, pf.c.feature_id)
    ):
        if r.feature_id in parts.get(r.part, {}):
            parts[r.part][r.feature_id].update(exposed=r.exposed, users=int(r.users), repeaters=int(r.repeaters))
    stmt = expecters(project_id, [f for f in features if not f.promised])
    if stmt is not None:
        e = stmt.subquery("expecters")
        for r in session.execute(
            select(
                key,
                e.c.feature_id,
                func.count().label("expected"),
                func.count(pf.c.person_id).label("exposed"),
                func.sum(case((pf.c.uses > 0, 1), else_=0)).label("users"),
            )
            .join(active, active.c.person_id == e.c.person_id)
            .join(Person, Person.id == e.c.person_id)
            .outerjoin(pf, and_(pf.c.person_id == e.c.person_id, pf.c.feature_id == e.c.feature_id))
            .where(cohort.where)
            .group_by(key, e.c.feature_id)
        ):
            parts[r.part][r.feature_id].update(
                expected=r.expected, expectedExposed=r.exposed, expectedUsers=int(r.users or 0)
            )
    for counts in parts.values():
        for f in features:
            if f.promised:  # everyone active expects a promised feature
                c = counts[f.id]
                c.update(expected=c["active"], expectedExposed=c["exposed"], expectedUsers=c["users"])
    return parts if split is not None else parts.get("all", _empty(features))


def combined(parts: dict, features: list[Feature]) -> dict:
    """The counts of a split added back together (everyone's cohort from the stage cohorts)."""
    total = _empty(features)
    for counts in parts.values():
        for fid, c in counts.items():
            for k, v in c.items():
                total[fid][k] += v
    return total


def _empty(features: list[Feature]) -> dict:
    return {
        f.id: dict.fromkeys(
            ("active", "exposed", "users", "repeaters", "expected", "expectedExposed", "expectedUsers"), 0
        )
        for f in features
    }


_ENTERED = {"trial": Person.first_seen, "aha": Person.aha_at, "activation": Person.activated_at}
_REACHED = {"aha": Person.aha_at, "activation": Person.activated_at, "adoption": Person.adopted_at}


def _ever_active(stage: str) -> ColumnElement[bool]:
    """Entering trial takes doing something in the product: people a CRM sync identified, who never opened
    it, are not trials that stalled."""
    if stage != "trial":
        return true()
    return select(Activity.person_id).where(Activity.person_id == Person.id).exists()


def stall_counts(session: Session, project_id: int, window: Window, stall_days: dict, cohort: Cohort) -> dict:
    """Per stage: people who entered it in the window shifted back by its allowed days, and how many
    of them had not reached the next stage that many days later (whole UTC days)."""
    columns = []
    for stage, entered in _ENTERED.items():
        days, moved = stall_days[stage], _REACHED[NEXT[stage]]
        shifted = window.shifted(days)
        cohort_in = and_(entered.is_not(None), entered >= shifted.since, entered < shifted.until, _ever_active(stage))
        stalled = and_(cohort_in, (moved.is_(None)) | (day_of(moved) - day_of(entered) > days))
        columns += [
            func.sum(case((cohort_in, 1), else_=0)).label(f"{stage}_entered"),
            func.sum(case((stalled, 1), else_=0)).label(f"{stage}_stalled"),
        ]
    row = session.execute(select(*columns).where(Person.project_id == project_id, cohort.where)).one()._asdict()
    return {s: {"entered": int(row[f"{s}_entered"] or 0), "stalled": int(row[f"{s}_stalled"] or 0)} for s in _ENTERED}


def stalled_people(project_id: int, window: Window, stage: str, days: int, cohort: Cohort):
    entered, moved = _ENTERED[stage], _REACHED[NEXT[stage]]
    shifted = window.shifted(days)
    return select(Person.id).where(
        Person.project_id == project_id,
        cohort.where,
        entered >= shifted.since,
        entered < shifted.until,
        _ever_active(stage),
        (moved.is_(None)) | (day_of(moved) - day_of(entered) > days),
    )


def goal_shares(session: Session, project_id: int, window: Window, who=None) -> tuple[int, dict[str, int]]:
    """Among active people (of `who`) who chose any goal: how many they are, and how many chose each goal."""
    active = active_people(project_id, window, who).subquery("active")
    scope = (PersonGoal.project_id == project_id, PersonGoal.chosen_at < window.until)
    choosers = session.scalar(
        select(func.count(distinct(PersonGoal.person_id)))
        .join(active, active.c.person_id == PersonGoal.person_id)
        .where(*scope)
    )
    per_goal = dict(
        session.execute(
            select(PersonGoal.goal, func.count())
            .join(active, active.c.person_id == PersonGoal.person_id)
            .where(*scope)
            .group_by(PersonGoal.goal)
        ).all()
    )
    return choosers or 0, per_goal


def goal_choosers(project_id: int, window: Window, goals: list[str], who=None):
    active = active_people(project_id, window, who).subquery("active")
    return (
        select(PersonGoal.person_id)
        .join(active, active.c.person_id == PersonGoal.person_id)
        .where(PersonGoal.project_id == project_id, PersonGoal.goal.in_(goals), PersonGoal.chosen_at < window.until)
    )


def affected_value(session: Session, people_stmt, person_value: float) -> dict:
    """Who a gap touches and what is at risk, in one unit: the summed MRR of their accounts, plus
    `person_value` for each affected person whose account has no MRR (or who has no account)."""
    ids = people_stmt.subquery("affected")
    affected = Person.id.in_(select(ids.c[0]))
    heads = session.scalar(select(func.count(distinct(ids.c[0]))))
    assert heads is not None  # an aggregate answers one row, and COUNT is never NULL
    accounts = select(Person.account_id).where(affected, Person.account_id.is_not(None))
    account_ids = list(session.scalars(accounts.distinct()))
    total = (
        session.scalar(select(func.coalesce(func.sum(Account.mrr), 0)).where(Account.id.in_(account_ids)))
        if account_ids
        else 0
    )
    assert total is not None  # an aggregate answers one row, and COALESCE(..., 0) is never NULL
    without_mrr = session.scalar(
        select(func.count(distinct(Person.id)))
        .outerjoin(Account, Account.id == Person.account_id)
        .where(affected, func.coalesce(Account.mrr, 0) <= 0)
    )
    mrr, estimated = float(total), float(without_mrr or 0) * person_value
    return {
        "people": heads,
        "accounts": account_ids,
        "mrr": mrr,
        "value": round(mrr + estimated, 2),
        "basis": "mrr" if not without_mrr else "mrr+estimate",
        "withoutMrr": int(without_mrr or 0),
        "personValue": person_value,
        "estimated": round(estimated, 2),
    }


def median_mrr_per_person(session: Session, project_id: int) -> float:
    """The value of a person in an account without MRR, by default: the median, over the project's accounts
    with MRR, of MRR per person; 1.0 when no account has MRR (every person then counts the same)."""
    rows = session.execute(
        select(Account.mrr, func.count(Person.id))
        .join(Person, Person.account_id == Account.id)
        .where(Account.project_id == project_id, Account.mrr > 0)
        .group_by(Account.id, Account.mrr)
    ).all()
    per_person = sorted(float(mrr) / n for mrr, n in rows if n and mrr is not None)
    if not per_person:
        return 1.0
    middle = len(per_person) // 2
    return per_person[middle] if len(per_person) % 2 else (per_person[middle - 1] + per_person[middle]) / 2


def stage_cohort(stage: str, at: datetime, population: ColumnElement[bool] | None = None) -> Cohort:
    """The people (of the population) who were in `stage` at `at` (the window's start: the stage they came
    into the window with, so using an aha feature during the window does not move someone out of it)."""
    return Cohort(f"stage:{stage}", and_(everyone(population).where, stage_at_expression(at) == stage))
