"""Survey messages become Display and Response rows, stamped with the person's stage, deduplicated."""

from datetime import datetime

from sqlalchemy import String, bindparam, select, update
from sqlalchemy.orm import Session

from ...models import Display, PersonGoal, Response, Survey
from ..journey.stages import milestones_of
from ..storage.sql import insert_ignoring_conflicts, member_of
from ..webhooks import hooks as webhooks
from . import people

_DISPLAYS, _RESPONSES, _GOALS = Display.__table__, Response.__table__, PersonGoal.__table__


def record(session: Session, project_id: int, items: list[tuple[int, dict]]) -> None:
    """Apply survey messages (person id, message), in order; messages about unknown surveys only stay events.

    A chunk's messages are folded in memory in order, then written with a statement per kind of change."""
    surveys = _surveys(session, project_id, {m["surveyId"] for _, m in items})
    items = [(p, m) for p, m in items if m["surveyId"] in surveys]
    if not items:
        return
    journeys = milestones_of(session, (p for p, _ in items))
    displays: dict[str, dict] = {}  # display id -> its row
    for person, m in items:  # every message implies its display, even if "shown" was lost
        key = m["displayId"] or m["messageId"]
        displays.setdefault(
            key,
            {
                "project_id": project_id,
                "survey_id": int(m["surveyId"]),
                "person_id": person,
                "display_id": key,
                "stage": _stage(journeys, person, m),
                "shown_at": m["timestamp"],
            },
        )
    insert_ignoring_conflicts(session, _DISPLAYS, list(displays.values()), ["project_id", "display_id"])
    dismissed = {}
    for _, m in items:
        if m["action"] == "dismissed":
            dismissed[m["displayId"] or m["messageId"]] = m["timestamp"]
    if dismissed:
        session.execute(
            update(_DISPLAYS)
            .where(_DISPLAYS.c.project_id == project_id, _DISPLAYS.c.display_id == bindparam("key"))
            .values(dismissed_at=bindparam("at")),
            [{"key": k, "at": at} for k, at in sorted(dismissed.items())],
        )
    answered = [(p, m) for p, m in items if m["action"] == "answered"]
    if answered:
        _answers(session, project_id, answered, surveys, journeys)


def _stage(journeys: dict, person: int, m: dict) -> str:
    """The stage the person was in when the message happened."""
    journey = journeys.get(person)
    return journey.stage_at(m["timestamp"]) if journey else "trial"


def _surveys(session: Session, project_id: int, ids: set[str]) -> dict[str, dict]:
    numeric = [int(i) for i in ids if i.isdigit() and len(i) < 10]
    if not numeric:
        return {}
    rows = session.execute(
        select(Survey.id, Survey.content).where(Survey.project_id == project_id, Survey.id.in_(numeric))
    )
    return {str(r.id): r.content for r in rows}


def _answers(session, project_id, items, surveys, journeys) -> None:
    """Fold answered messages into their responses (partial answers add up; completion is kept), then write
    new and changed responses, answered times, goals and traits, and announce newly completed responses."""
    keys = sorted({m["displayId"] or m["messageId"] for _, m in items})
    stored = {
        row.display_id: row
        for row in session.execute(
            select(
                _RESPONSES.c.id,
                _RESPONSES.c.display_id,
                _RESPONSES.c.answers,
                _RESPONSES.c.completed,
                _RESPONSES.c.locale,
            )
            .where(_RESPONSES.c.project_id == project_id, member_of(_RESPONSES.c.display_id, keys, String))
            .with_for_update()
        )
    }
    state: dict[str, dict] = {}
    completed_at: dict[str, datetime] = {}  # display -> when its response became complete in this chunk
    goals: list[dict] = []
    traits: dict[int, list[dict]] = {}
    for person, m in items:
        key = m["displayId"] or m["messageId"]
        content = surveys[m["surveyId"]]
        questions = {q["id"]: q for q in content.get("questions", [])}
        answers = {k: v for k, v in m["answers"].items() if k in questions and valid_answer(questions[k], v)}
        row = state.get(key)
        if row is None:
            before = stored.get(key)
            row = state[key] = {
                "id": before.id if before else None,
                "was_complete": bool(before and before.completed),
                "project_id": project_id,
                "survey_id": int(m["surveyId"]),
                "person_id": person,
                "display_id": key,
                "stage": _stage(journeys, person, m),
                "created_at": m["timestamp"],
                "answers": dict(before.answers) if before else {},
                "completed": bool(before and before.completed),
                "locale": before.locale if before else None,
            }
        row["answers"] = {**row["answers"], **answers}
        row["completed"] = bool(m["completed"]) or row["completed"]
        row["score"] = _score(content, row["answers"])
        row["locale"] = m["locale"] or row["locale"]
        row["updated_at"] = m["timestamp"]
        if row["completed"] and key not in completed_at:
            completed_at[key] = m["timestamp"]
        goals += _goals(project_id, person, questions, answers, m["timestamp"])
        chosen = {q["trait"]: answers[qid] for qid, q in questions.items() if q.get("trait") and qid in answers}
        if chosen:
            traits.setdefault(person, []).append(chosen)
    _write_responses(session, state)
    if completed_at:
        session.execute(
            update(_DISPLAYS)
            .where(
                _DISPLAYS.c.project_id == project_id,
                _DISPLAYS.c.display_id == bindparam("key"),
                _DISPLAYS.c.answered_at.is_(None),
            )
            .values(answered_at=bindparam("at")),
            [{"key": k, "at": at} for k, at in sorted(completed_at.items())],
        )
    newly = [(k, at) for k, at in completed_at.items() if not state[k]["was_complete"]]
    if newly and webhooks.subscribers(session, project_id, "response.created"):
        for key, at in newly:
            webhooks.response_completed(session, project_id, key, at)
    insert_ignoring_conflicts(session, _GOALS, goals, ["project_id", "person_id", "goal"])
    people.apply_traits(session, traits)


_WRITTEN = ("answers", "completed", "score", "locale", "updated_at")


def _write_responses(session: Session, state: dict[str, dict]) -> None:
    new = [
        {k: v for k, v in row.items() if k not in ("id", "was_complete")} for row in state.values() if row["id"] is None
    ]
    insert_ignoring_conflicts(session, _RESPONSES, new, ["project_id", "display_id"])
    changed = [
        {"rid": row["id"], **{f"new_{k}": row[k] for k in _WRITTEN}} for row in state.values() if row["id"] is not None
    ]
    if changed:
        session.execute(
            update(_RESPONSES)
            .where(_RESPONSES.c.id == bindparam("rid"))
            .values({k: bindparam(f"new_{k}") for k in _WRITTEN}),
            changed,
        )


def _goals(project_id: int, person: int, questions: dict, answers: dict, at) -> list[dict]:
    """Welcome-screen choices name goals; the gap engine reads who expected what from them."""
    goals: set[str] = set()
    for qid, value in answers.items():
        chosen = value if isinstance(value, list) else [value]
        for choice in questions[qid].get("choices") or ():
            if choice["id"] in chosen:
                goals.update(choice.get("goals") or ())
    return [{"project_id": project_id, "person_id": person, "goal": g, "chosen_at": at} for g in sorted(goals)]


def valid_answer(question: dict, value) -> bool:
    """Whether `value` answers `question`: the type, range or choices it allows."""
    kind = question["type"]
    if kind == "nps":  # a whole number: 0–10, as the scale shows
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10
    if kind == "rating":
        return isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value <= question["scale"]
    ids = {c["id"] for c in question.get("choices", [])}
    if kind == "single_choice":
        return value in ids
    if kind == "multi_choice":
        return isinstance(value, list) and 0 < len(value) <= len(ids) and all(v in ids for v in value)
    return isinstance(value, str) and len(value) <= question.get("maxLength", 1000)


def _score(content: dict, answers: dict) -> float | None:
    """The answer to the survey's first scored question (nps or rating), the number scores are built from."""
    for q in content.get("questions", []):
        if q["type"] in ("nps", "rating"):
            value = answers.get(q["id"])
            return float(value) if value is not None else None
    return None
