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


@dataclass(frozen=True)
class Usage:
    """A window's feature usage, read once an evaluation and counted per cohort in Python: who was active
    (of the population), who touched each feature and how (uses, days with a use), and who expects each
    feature that is not promised (chose a goal it serves). Three statements instead of three per cohort."""

    active: frozenset[int]
    touched: dict[int, dict[int, tuple[int, int]]]  # feature id -> person -> (uses, use days)
    expecting: dict[int, frozenset[int]]  # feature id -> people who chose a goal it serves


def read_usage(session: Session, project_id: int, window: Window, features: list[Feature], who) -> Usage:
    active = frozenset(session.scalars(active_people(project_id, window, who)))
    touched: dict[int, dict[int, tuple[int, int]]] = {f.id: {} for f in features}
    for person, feature, uses, days in session.execute(per_person_feature(project_id, window)):
        if person in active and feature in touched:
            touched[feature][person] = (int(uses or 0), int(days or 0))
    expecting: dict[int, set[int]] = {f.id: set() for f in features}
    stmt = expecters(project_id, [f for f in features if not f.promised])
    if stmt is not None:
        for person, feature in session.execute(stmt):
            if person in active:
                expecting[feature].add(person)
    return Usage(active, touched, {f: frozenset(p) for f, p in expecting.items()})


def members(session: Session, project_id: int, cohort: Cohort) -> frozenset[int]:
    """The ids of the cohort's people (all of them, active or not)."""
    return frozenset(session.scalars(select(Person.id).where(Person.project_id == project_id, cohort.where)))


def people_by_stage(session: Session, project_id: int, at: datetime, who) -> dict[str, frozenset[int]]:
    """The population's ids by the stage each was in at `at` (the window's start), in one statement."""
    stage = stage_at_expression(at)
    found: dict[str, set[int]] = {}
    for person, reached in session.execute(select(Person.id, stage).where(Person.project_id == project_id, who)):
        found.setdefault(reached, set()).add(person)
    return {s: frozenset(p) for s, p in found.items()}


def feature_counts(usage: Usage, features: list[Feature], people: frozenset[int]) -> dict:
    """Per feature, among the active people of `people`: active, exposed (touched it), users (used it),
    repeaters (used it on two days or more), and for those who expect it, exposed and users. Everyone active
    expects a promised feature."""
    active = usage.active & people
    counts = {}
    for f in features:
        touched = usage.touched[f.id]
        seen = (
            [touched[p] for p in active if p in touched]
            if len(active) < len(touched)
            else [t for p, t in touched.items() if p in active]
        )
        c = {
            "active": len(active),
            "exposed": len(seen),
            "users": sum(1 for uses, _ in seen if uses > 0),
            "repeaters": sum(1 for _, days in seen if days >= 2),
        }
        if f.promised:
            c.update(expected=c["active"], expectedExposed=c["exposed"], expectedUsers=c["users"])
        else:
            expecting = usage.expecting[f.id] & active
            c.update(
                expected=len(expecting),
                expectedExposed=sum(1 for p in expecting if p in touched),
                expectedUsers=sum(1 for p in expecting if p in touched and touched[p][0] > 0),
            )
        counts[f.id] = c
    return counts


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


@dataclass(frozen=True)
class Accounts:
    """Who belongs to which account, and each account's MRR: read once an evaluation, for every gap's value."""

    of_person: dict[int, int]
    mrr: dict[int, float]


def accounts(session: Session, project_id: int) -> Accounts:
    people = session.execute(
        select(Person.id, Person.account_id).where(Person.project_id == project_id, Person.account_id.is_not(None))
    )
    mrr = session.execute(select(Account.id, Account.mrr).where(Account.project_id == project_id))
    return Accounts({p: a for p, a in people if a is not None}, {a: float(m or 0) for a, m in mrr})


def affected_value(people: set[int], known: Accounts, person_value: float) -> dict:
    """Who a gap touches and what is at risk, in one unit: the summed MRR of their accounts, plus
    `person_value` for each affected person whose account has no MRR (or who has no account)."""
    account_ids = sorted({a for p in people if (a := known.of_person.get(p)) is not None})
    mrr = sum(known.mrr.get(a, 0.0) for a in account_ids)
    without_mrr = sum(1 for p in people if known.mrr.get(known.of_person.get(p, -1), 0.0) <= 0)
    estimated = without_mrr * person_value
    return {
        "people": len(people),
        "accounts": account_ids,
        "mrr": round(mrr, 2),
        "value": round(mrr + estimated, 2),
        "basis": "mrr" if not without_mrr else "mrr+estimate",
        "withoutMrr": without_mrr,
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
