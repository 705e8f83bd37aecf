"""What GET /v1/config tells the tracker about nudges: the active ones due for this person, in their locale.

A person in a nudge's target is assigned an arm the first time the tracker asks (stored for both arms, so
the holdout is known even though it sees nothing). Only treatment people get the nudge, until they dismiss or
complete it. Nudges share the survey budget: one thing at a time, and surveys come first (the welcome screen
first of all), so no nudge is returned while a survey is due or within the project cooldown after one was
shown.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db import begin_write
from ...models import Event, Nudge, NudgeAssignment, Person
from ..storage.sql import insert_ignoring_conflicts
from ..surveys.locales import direction, pick_locale
from .assignment import TREATMENT, arm_of, eligible, unit_of


@dataclass(frozen=True)
class NudgeRule:
    """What delivery needs of an active nudge, detached from the database so it can be cached."""

    id: int
    project_id: int
    kind: str
    target: dict
    content: dict
    appearance: dict
    holdout: float
    unit: str
    priority: int


def active_rules(session: Session, project_id: int) -> list[NudgeRule]:
    return [
        NudgeRule(n.id, n.project_id, n.kind, n.target, n.content, n.appearance, n.holdout, n.unit, n.priority)
        for n in session.scalars(
            select(Nudge).where(Nudge.project_id == project_id, Nudge.status == "active").order_by(Nudge.id)
        )
    ]


def due_nudges(
    session: Session,
    rules: list[NudgeRule],
    person_id: int | None,
    locale: str | None,
    now: datetime,
    quiet: bool,
) -> list[dict]:
    """The person's due nudges, highest priority first; assigns the arms of nudges they just became eligible for."""
    if not rules or person_id is None:
        return []
    person = session.get(Person, person_id)
    if person is None:
        return []
    ids = [r.id for r in rules]
    arms = dict(
        session.execute(
            select(NudgeAssignment.nudge_id, NudgeAssignment.arm).where(
                NudgeAssignment.person_id == person.id, NudgeAssignment.nudge_id.in_(ids)
            )
        ).all()
    )
    finished = set(
        session.scalars(
            select(Event.properties["nudgeId"].as_string()).where(
                Event.project_id == person.project_id,
                Event.person_id == person.id,
                Event.type == "nudge",
                Event.name.in_(("dismissed", "completed")),
            )
        )
    )
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
    if quiet:  # a survey is due, or one was shown within the cooldown: assigned, not shown
        return []
    due = [r for r in rules if arms.get(r.id) == TREATMENT and str(r.id) not in finished]
    due.sort(key=lambda r: (-r.priority, r.id))
    return [localize(r, locale) for r in due]


def localize(rule: NudgeRule, wanted: str | None) -> dict:
    """The nudge as the widgets render it: its texts in one locale."""
    content, default = rule.content, rule.content.get("defaultLocale", "en")
    locale = pick_locale(list(content["body"]), wanted, default)

    def text(value):
        return None if value is None else value.get(locale) or value.get(default)

    cta = content.get("cta")
    return {
        "id": str(rule.id),
        "kind": rule.kind,
        "priority": rule.priority,
        "locale": locale,
        "dir": direction(locale),
        "title": text(content.get("title")),
        "body": text(content["body"]),
        "cta": {"label": text(cta["label"]), "action": cta["action"], "url": cta.get("url")} if cta else None,
        "feature": content.get("feature"),
        "position": content.get("position", "top"),
        "steps": [
            {"id": s["id"], "text": text(s["text"]), "feature": s.get("feature"), "event": s.get("event")}
            for s in content.get("steps", [])
        ],
        "appearance": rule.appearance,
    }
