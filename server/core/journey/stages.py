"""Journey stages: trial → aha → activation → adoption, reached at exact times and kept as milestones.

A person is in `trial` from first seen; reaches `aha` at their first aha event or first use of an aha
feature; `activation` once they have used k distinct core features, all first used within d days of
first seen (and not before aha); `adoption` at the first moment, from activation on, when the current
calendar week (Monday–Sunday, UTC) and the three before it hold core use in at least w weeks. A stage
once reached is kept. Ingest advances the people of each batch; a rules change recomputes everyone.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, case, func, literal, select, update
from sqlalchemy.orm import Session

from ...db import begin_write
from ...models import Event, FeatureUsage, Person
from ...models.people import STAGES
from ..ingest.rollups import ProjectFeatures, project_features
from ..projects.settings import get_project
from ..storage.sql import day_number, member_of
from .rules import checked_rules, journey_rules, rules_schema

NEXT = dict(zip(STAGES, STAGES[1:], strict=False))


@dataclass(frozen=True)
class Milestones:
    """When a person reached each stage after trial (None: not yet)."""

    aha_at: datetime | None = None
    activated_at: datetime | None = None
    adopted_at: datetime | None = None

    @property
    def stage(self) -> str:
        return (
            "adoption" if self.adopted_at else "activation" if self.activated_at else "aha" if self.aha_at else "trial"
        )

    def stage_at(self, moment: datetime) -> str:
        """The stage the person was in at `moment`."""
        for stage, reached in (("adoption", self.adopted_at), ("activation", self.activated_at), ("aha", self.aha_at)):
            if reached is not None and reached <= moment:
                return stage
        return "trial"


def week_of(moment: datetime) -> int:
    """Calendar weeks since the Monday before 1970-01-01 (a Thursday)."""
    return (day_number(moment) + 3) // 7


def milestones(
    rules: dict, first_seen: datetime, aha_signal: datetime | None, core_uses: Iterable[tuple[int, datetime]]
) -> Milestones:
    """Apply the rules to one person: `aha_signal` is their earliest aha event or aha-feature use, `core_uses`
    holds (feature id, time) of uses of core features (each feature's first use per day is enough)."""
    if aha_signal is None:
        return Milestones()
    uses = sorted(core_uses, key=lambda u: u[1])
    first_use: dict[int, datetime] = {}
    for feature, at in uses:
        first_use.setdefault(feature, at)
    k, days = rules["activation"]["coreFeatures"], rules["activation"]["withinDays"]
    firsts = sorted(first_use.values())
    if len(firsts) < k or firsts[k - 1] - first_seen > timedelta(days=days):
        return Milestones(aha_signal)
    activated = max(aha_signal, firsts[k - 1])
    return Milestones(aha_signal, activated, _adopted(rules["adoption"]["weeks"], activated, uses))


def _adopted(weeks_needed: int, activated: datetime, uses: list[tuple[int, datetime]]) -> datetime | None:
    week_first: dict[int, datetime] = {}
    for _, at in uses:
        week_first.setdefault(week_of(at), at)
    start = week_of(activated)

    def holds(week: int, moment: datetime) -> bool:
        return sum(1 for w in range(week - 3, week + 1) if w in week_first and week_first[w] <= moment) >= weeks_needed

    if holds(start, activated):
        return activated
    # A week's first use can come after activation within activation's own week: it counts from then.
    for week in sorted(w for w in week_first if w >= start):
        moment = max(week_first[week], activated)
        if holds(week, moment):
            return moment
    return None


# --- keeping people's stages current ---------------------------------------------------------------

_PEOPLE = Person.__table__
_STATE = (_PEOPLE.c.id, _PEOPLE.c.first_seen, _PEOPLE.c.aha_at, _PEOPLE.c.activated_at, _PEOPLE.c.adopted_at)


def advance(
    session: Session, project_id: int, features: ProjectFeatures, used: set[int], stored: list[tuple[int, dict]]
) -> None:
    """Move on the people of a batch who used a core or aha feature (`used`) or sent an aha event now.

    One query reads their state and their core and aha feature use. Stages only move forward here;
    `recompute` starts afresh.
    """
    tracks = [(p, m) for p, m in stored if m["type"] == "track"]
    if not tracks:
        return
    if not (features.core or features.aha or (features.stored_rules or {}).get("ahaEvents")):
        return  # nothing in this project can move anyone on
    rules = journey_rules(session, project_id, features.stored_rules)
    aha_names = set(rules["ahaEvents"])
    aha_events: dict[int, datetime] = {}  # person -> their first aha event in the batch
    for person, m in tracks:
        if m["event"] in aha_names and (person not in aha_events or m["timestamp"] < aha_events[person]):
            aha_events[person] = m["timestamp"]
    candidates = sorted(used | set(aha_events))
    if not candidates:
        return
    # Two plain lookups by primary key, not one outer join: the planner keeps them cheap even while the
    # tables grow faster than their statistics.
    people = {
        row.id: row
        for row in session.execute(
            select(*_STATE).where(member_of(_PEOPLE.c.id, candidates), _PEOPLE.c.adopted_at.is_(None))
        )
    }
    uses: dict[int, tuple[list, list]] = {}
    u = FeatureUsage.__table__
    if people:
        for person, feature, at in session.execute(
            select(u.c.person_id, u.c.feature_id, u.c.first_used_at).where(
                u.c.project_id == project_id,
                member_of(u.c.person_id, sorted(people)),
                u.c.feature_id.in_(sorted(features.core | features.aha)),
                u.c.first_used_at.is_not(None),
            )
        ):
            _add_use(uses, features, person, feature, at)
    _apply(session, rules, people.values(), uses, aha_events, keep=True)


def recompute(session: Session, project_id: int, person_ids: list[int] | None = None) -> int:
    """Put the project's people (or some of them) on the stage the current rules give; return how many changed."""
    rules = journey_rules(session, project_id)
    features = project_features(session, project_id)
    aha_events = {}
    scope = [_PEOPLE.c.project_id == project_id]
    if person_ids is not None:
        scope.append(_PEOPLE.c.id.in_(person_ids))
    if rules["ahaEvents"]:
        stmt = (
            select(Event.person_id, func.min(Event.timestamp))
            .where(Event.project_id == project_id, Event.type == "track", Event.name.in_(rules["ahaEvents"]))
            .group_by(Event.person_id)
        )
        if person_ids is not None:
            stmt = stmt.where(Event.person_id.in_(person_ids))
        aha_events = dict(session.execute(stmt).all())
    uses = _uses(session, project_id, features, person_ids)
    return _apply(session, rules, session.execute(select(*_STATE).where(*scope)), uses, aha_events, keep=False)


def _apply(session: Session, rules: dict, rows, uses: dict, aha_events: dict, keep: bool) -> int:
    """Compute each row's milestones (`keep`: the stored aha time still counts as a signal) and write changes."""
    changes = []
    for r in rows:
        aha_uses, core = uses.get(r.id, ([], []))
        signals = [aha_events.get(r.id), *aha_uses] + ([r.aha_at] if keep else [])
        signal = min([t for t in signals if t is not None], default=None)
        now = milestones(rules, r.first_seen, signal, core)
        if now != Milestones(r.aha_at, r.activated_at, r.adopted_at):
            changes.append(_change(r.id, now))
    for start in range(0, len(changes), 1000):
        session.execute(update(Person), changes[start : start + 1000])
    return len(changes)


def _uses(session: Session, project_id: int, features: ProjectFeatures, person_ids: list[int] | None):
    """Per person: first-use times of aha features, and (feature, time) of core-feature uses, by day."""
    wanted = sorted(features.core | features.aha)
    out: dict[int, tuple[list, list]] = {}
    if not wanted:
        return out
    u = FeatureUsage
    stmt = select(u.person_id, u.feature_id, u.first_used_at).where(
        u.project_id == project_id, u.feature_id.in_(wanted), u.first_used_at.is_not(None)
    )
    if person_ids is not None:
        stmt = stmt.where(u.person_id.in_(person_ids))
    for person, feature, at in session.execute(stmt):
        assert at is not None  # the statement keeps the features used
        _add_use(out, features, person, feature, at)
    return out


def _add_use(out: dict, features: ProjectFeatures, person: int, feature: int, at: datetime) -> None:
    aha_uses, core = out.setdefault(person, ([], []))
    if feature in features.aha:
        aha_uses.append(at)
    if feature in features.core:
        core.append((feature, at))


def _change(person_id: int, m: Milestones) -> dict:
    return {
        "id": person_id,
        "stage": m.stage,
        "aha_at": m.aha_at,
        "activated_at": m.activated_at,
        "adopted_at": m.adopted_at,
    }


def milestones_of(session: Session, person_ids: Iterable[int]) -> dict[int, Milestones]:
    """The stored milestones of some people, to stamp their survey displays and responses."""
    rows = session.execute(select(*_STATE).where(member_of(_PEOPLE.c.id, sorted(set(person_ids)))))
    return {r.id: Milestones(r.aha_at, r.activated_at, r.adopted_at) for r in rows}


def stage_of(session: Session, person_id: int | None) -> str:
    """The person's journey stage now."""
    if person_id is None:
        return "trial"
    return session.scalar(select(Person.stage).where(Person.id == person_id)) or "trial"


def stage_expression() -> SQLColumnExpression[str]:
    """The journey stage of a `people` row in SQL: the twin of stage_of, for segments evaluated in SQL."""
    return Person.stage


def stage_at_expression(moment: datetime) -> ColumnElement[str]:
    """The stage each `people` row was in at `moment`, in SQL (for cohorts of a past window)."""
    return case(
        (and_(Person.adopted_at.is_not(None), Person.adopted_at <= moment), literal("adoption")),
        (and_(Person.activated_at.is_not(None), Person.activated_at <= moment), literal("activation")),
        (and_(Person.aha_at.is_not(None), Person.aha_at <= moment), literal("aha")),
        else_=literal("trial"),
    )


def set_journey_rules(session: Session, project_id: int, new_rules: dict) -> dict:
    """Replace the rules and put every person on the stage the new rules give (one transaction)."""
    begin_write(session)
    project = get_project(session, project_id)
    project.journey_rules = rules_schema.dump(checked_rules(new_rules))
    recompute(session, project_id)
    session.commit()
    return journey_rules(session, project_id)
