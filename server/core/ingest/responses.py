"""Survey messages become Display and Response rows, stamped with the person's stage, deduplicated."""

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...models import Display, PersonGoal, Response, Survey
from ..journey.stages import milestones_of
from ..storage.sql import insert_ignoring_conflicts
from ..webhooks import hooks as webhooks
from . import people

_DISPLAYS, _RESPONSES, _GOALS = Display.__table__, Response.__table__, PersonGoal.__table__


def record(session: Session, project_id: int, items: list[tuple[int, dict]]) -> None:
    """Apply survey messages (person id, message), in order; messages about unknown surveys only stay events."""
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
    for person, m in items:
        key = m["displayId"] or m["messageId"]
        if m["action"] == "dismissed":
            session.execute(
                update(_DISPLAYS)
                .where(_DISPLAYS.c.project_id == project_id, _DISPLAYS.c.display_id == key)
                .values(dismissed_at=m["timestamp"])
            )
        elif m["action"] == "answered":
            _answer(session, project_id, person, m, key, surveys[m["surveyId"]], _stage(journeys, person, m))


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


def _answer(session, project_id, person, m, display_id, content, stage) -> None:
    questions = {q["id"]: q for q in content.get("questions", [])}
    answers = {k: v for k, v in m["answers"].items() if k in questions and _valid(questions[k], v)}
    existing = session.execute(
        select(_RESPONSES.c.id, _RESPONSES.c.answers, _RESPONSES.c.completed, _RESPONSES.c.locale)
        .where(_RESPONSES.c.project_id == project_id, _RESPONSES.c.display_id == display_id)
        .with_for_update()
    ).first()
    merged = {**(existing.answers if existing else {}), **answers}
    completed = bool(m["completed"]) or bool(existing and existing.completed)
    values = {
        "answers": merged,
        "completed": completed,
        "score": _score(content, merged),
        "locale": m["locale"] or (existing.locale if existing else None),
        "updated_at": m["timestamp"],
    }
    if existing:
        session.execute(update(_RESPONSES).where(_RESPONSES.c.id == existing.id).values(**values))
    else:
        insert_ignoring_conflicts(
            session,
            _RESPONSES,
            [
                {
                    "project_id": project_id,
                    "survey_id": int(m["surveyId"]),
                    "person_id": person,
                    "display_id": display_id,
                    "stage": stage,
                    "created_at": m["timestamp"],
                    **values,
                }
            ],
            ["project_id", "display_id"],
        )
    if completed and not (existing and existing.completed):
        webhooks.response_completed(session, project_id, display_id, m["timestamp"])
    if completed:
        session.execute(
            update(_DISPLAYS)
            .where(
                _DISPLAYS.c.project_id == project_id,
                _DISPLAYS.c.display_id == display_id,
                _DISPLAYS.c.answered_at.is_(None),
            )
            .values(answered_at=m["timestamp"])
        )
    _record_goals(session, project_id, person, questions, answers, m["timestamp"])
    traits = {q["trait"]: answers[qid] for qid, q in questions.items() if q.get("trait") and qid in answers}
    if traits:
        people.apply_traits(session, {person: [traits]})


def _record_goals(session, project_id, person, questions, answers, at) -> None:
    """Welcome-screen choices name goals; the gap engine reads who expected what from them."""
    goals: set[str] = set()
    for qid, value in answers.items():
        chosen = value if isinstance(value, list) else [value]
        for choice in questions[qid].get("choices") or ():
            if choice["id"] in chosen:
                goals.update(choice.get("goals") or ())
    insert_ignoring_conflicts(
        session,
        _GOALS,
        [{"project_id": project_id, "person_id": person, "goal": g, "chosen_at": at} for g in sorted(goals)],
        ["project_id", "person_id", "goal"],
    )


def _valid(question: dict, value) -> bool:
    kind = question["type"]
    if kind == "nps":
        return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 10
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
