"""What GET /v1/config tells the tracker about nudges: the active ones due for this person, in their locale.

A person in a nudge's target is assigned an arm the first time the tracker asks (stored for both arms, so
the holdout is known even though it sees nothing). Only treatment people get the nudge, until they dismiss or
complete it (a checklist: once every step is done). Nudges share the survey budget: one thing at a time, and
surveys come first (the welcome screen first of all), so no nudge is returned while a survey is due or within
the project cooldown after a survey or nudge was shown; a nudge not yet dismissed comes back after it.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db import begin_write
from ...models import Event, Feature, FeatureUsage, GapPeople, Nudge, NudgeAssignment, Person
from ..storage.sql import day_number, insert_ignoring_conflicts
from ..surveys.locales import direction, pick_locale
from .assignment import TREATMENT, arm_of, eligible, unit_of


@dataclass(frozen=True)
class NudgeRule:
    """What delivery needs of an active nudge, detached from the database so it can be cached (with the
    project's config, for CONFIG_CACHE_SECONDS); for a gap's nudge, the gap's people as last stored."""

    id: int
    project_id: int
    kind: str
    target: dict
    content: dict
    appearance: dict
    holdout: float
    unit: str
    priority: int
    people: frozenset[int] | None = None


def active_rules(session: Session, project_id: int) -> list[NudgeRule]:
    found = list(
        session.scalars(
            select(Nudge).where(Nudge.project_id == project_id, Nudge.status == "active").order_by(Nudge.id)
        )
    )
    gaps = {n.target["gap"] for n in found if "gap" in n.target}
    people = {
        gap: frozenset(ids or ())
        for gap, ids in session.execute(
            select(GapPeople.gap_id, GapPeople.person_ids).where(
                GapPeople.project_id == project_id, GapPeople.gap_id.in_(gaps)
            )
        )
    }
    return [
        NudgeRule(
            n.id,
            n.project_id,
            n.kind,
            n.target,
            n.content,
            n.appearance,
            n.holdout,
            n.unit,
            n.priority,
            people.get(n.target["gap"], frozenset()) if "gap" in n.target else None,
        )
        for n in found
    ]


def due_nudges(
    session: Session,
    project: "HasNudges",
    person_id: int | None,
    locale: str | None,
    now: datetime,
    quiet: bool,
) -> list[dict]:
    """The person's due nudges, highest priority first; assigns the arms of nudges they just became eligible for."""
    rules = project.nudges
    if not rules or person_id is None:
        return []
    person = session.get(Person, person_id)
    if person is None:
        return []
    assigned = {
        a.nudge_id: a
        for a in session.scalars(
            select(NudgeAssignment).where(
                NudgeAssignment.person_id == person.id, NudgeAssignment.nudge_id.in_([r.id for r in rules])
            )
        )
    }
    arms = {nudge: a.arm for nudge, a in assigned.items()}
    new = []
    for rule in rules:
        if rule.id not in arms and eligible(session, rule, person, now):
            arms[rule.id] = arm_of(rule.id, unit_of(rule, person), rule.holdout)
            new.append(
                {"project_id": rule.project_id, "nudge_id": rule.id, "person_id": person.id, "arm": arms[rule.id]}
            )
    if new:
        begin_write(session)
        insert_ignoring_conflicts(
            session, NudgeAssignment.__table__, [{**row, "assigned_at": now} for row in new], ["nudge_id", "person_id"]
        )
        session.commit()
    if quiet:  # a survey is due, or something was shown within the cooldown: assigned, not shown
        return []
    selectors = {f["key"]: f["selector"] for f in project.features}
    due = []
    for rule in sorted(rules, key=lambda r: (-r.priority, r.id)):
        assignment = assigned.get(rule.id)
        if arms.get(rule.id) != TREATMENT or (assignment is not None and assignment.finished_at is not None):
            continue
        done: set[str] = set()
        if rule.kind == "checklist":
            done = steps_done(
                session,
                rule,
                person.id,
                assignment.assigned_at if assignment else now,
                assignment.steps if assignment else None,
            )
            if len(done) == len(rule.content.get("steps", [])):
                continue  # every step done: the checklist is complete
        due.append(localize(rule, locale, selectors, done))
    return due


def steps_done(session: Session, rule: NudgeRule, person_id: int, since: datetime, ticked: list | None) -> set[str]:
    """The checklist steps the person has done since they were assigned: ticked off in the widget, or the
    step's feature used or its event sent (seen by ingest, whatever page it happened on)."""
    steps = rule.content.get("steps", [])
    done = set(ticked or ())
    features = {s["feature"] for s in steps if s.get("feature") and s["id"] not in done}
    events = {s["event"] for s in steps if s.get("event") and s["id"] not in done}
    used: set[str] = set()
    if features:
        used = set(
            session.scalars(
                select(Feature.key)
                .join(FeatureUsage, FeatureUsage.feature_id == Feature.id)
                .where(
                    FeatureUsage.project_id == rule.project_id,
                    FeatureUsage.person_id == person_id,
                    FeatureUsage.day >= day_number(since),
                    FeatureUsage.used + FeatureUsage.events > 0,
                    Feature.key.in_(features),
                )
            )
        )
    sent: set[str] = set()
    if events:
        sent = set(
            session.scalars(
                select(Event.name)
                .where(
                    Event.project_id == rule.project_id,
                    Event.person_id == person_id,
                    Event.type == "track",
                    Event.name.in_(events),
                    Event.timestamp >= since,
                )
                .distinct()
            )
        )
    return done | {s["id"] for s in steps if s.get("feature") in used or s.get("event") in sent}


class HasNudges(Protocol):
    """The cached project config: its active nudges and tagged features."""

    @property
    def nudges(self) -> list[NudgeRule]: ...
    @property
    def features(self) -> list[dict]: ...


def localize(rule: NudgeRule, wanted: str | None, selectors: dict | None = None, done: set | None = None) -> dict:
    """The nudge as the tracker queues it and the widgets render it: its texts in one locale, the selectors of
    the features it points at, the checklist steps done. Its id is "n<id>" so it never meets a survey's in the
    tracker's line; nudgeId is what its messages carry."""
    content, default = rule.content, rule.content.get("defaultLocale", "en")
    locale = pick_locale(list(content["body"]), wanted, default)
    selectors = selectors or {}
    done = done or set()

    def text(value):
        return None if value is None else value.get(locale) or value.get(default)

    cta = content.get("cta")
    feature = content.get("feature")
    return {
        "id": f"n{rule.id}",
        "nudgeId": rule.id,
        "kind": rule.kind,
        "priority": rule.priority,
        "locale": locale,
        "dir": direction(locale),
        "trigger": {"type": "pageview", "delay": 0},
        "url": None,
        "title": text(content.get("title")),
        "body": text(content["body"]),
        "cta": {"label": text(cta["label"]), "action": cta["action"], "url": cta.get("url")} if cta else None,
        "feature": feature,
        "selector": selectors.get(feature) if feature else None,
        "position": content.get("position", "top"),
        "steps": [
            {
                "id": s["id"],
                "text": text(s["text"]),
                "selector": selectors.get(s.get("feature")) if s.get("feature") else None,
                "done": s["id"] in done,
            }
            for s in content.get("steps", [])
        ],
        "appearance": rule.appearance,
    }
