"""What GET /v1/config tells the tracker: tagged features, settings, and the surveys due for this person."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Feature, Project, Survey
from ...models.base import utcnow
from ..nudges import delivery
from ..projects import config_cache
from . import targeting
from .locales import direction, pick_locale


@dataclass(frozen=True)
class SurveyRule:
    """What targeting needs of a survey, detached from the database so it can be cached."""

    id: int
    status: str
    segment_id: int | None
    sample_rate: float
    targeting: dict
    priority: int
    response_limit: int | None
    content: dict
    appearance: dict
    kind: str


@dataclass(frozen=True)
class ProjectConfig:
    """A project's cached config: the part shared by everyone, and its active surveys."""

    id: int
    survey_cooldown_hours: int
    features: list
    surveys: list[SurveyRule]
    nudges: list


@dataclass(frozen=True)
class Document:
    body: bytes
    etag: str


def document_for(
    session: Session,
    project_id: int,
    anonymous_id: str | None,
    user_id: str | None,
    locale: str | None,
    now: datetime | None = None,
) -> Document:
    """The config for one browser: features and settings for all, the surveys due for its person in their locale.

    The person is the one the anonymousId belongs to (targeting.find_browser_person): with the public write key, a
    userId alone gets the answer anyone unknown gets, whoever it names.
    """
    project = config_cache.get(project_id, lambda: _load(session, project_id))
    surveys, nudges = [], []
    if project.surveys or project.nudges:
        person_id = targeting.find_browser_person(session, project_id, anonymous_id, user_id)
        history = targeting.load_history(session, project_id, person_id, user_id or anonymous_id)
        due = targeting.due_surveys(session, project, project.surveys, history, now)
        surveys = [localize(s, locale) for s in due]
        now = now or utcnow()
        # One thing at a time: a survey due now, or one shown within the project cooldown, holds nudges back.
        rested = history.last_any is None or now - history.last_any >= timedelta(hours=project.survey_cooldown_hours)
        quiet = bool(surveys) or not rested
        nudges = delivery.due_nudges(session, project, person_id, locale, now, quiet)
    session.rollback()  # read-only (but for a first assignment, committed on its own): end the transaction
    body = orjson.dumps({"features": project.features, "surveys": surveys, "nudges": nudges, "settings": {}})
    return Document(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


def _load(session: Session, project_id: int) -> ProjectConfig:
    cooldown = session.scalar(select(Project.survey_cooldown_hours).where(Project.id == project_id))
    features = [
        {"key": r.key, "selector": r.selector, "event": r.event}
        for r in session.execute(
            select(Feature.key, Feature.selector, Feature.event)
            .where(Feature.project_id == project_id)
            .order_by(Feature.key)
        )
    ]
    surveys = [
        SurveyRule(
            s.id,
            s.status,
            s.segment_id,
            s.sample_rate,
            s.targeting,
            s.priority,
            s.response_limit,
            s.content,
            s.appearance,
            s.kind,
        )
        for s in session.scalars(select(Survey).where(Survey.project_id == project_id, Survey.status == "active"))
    ]
    return ProjectConfig(project_id, cooldown or 0, features, surveys, delivery.active_rules(session, project_id))


def localize(survey: SurveyRule, wanted: str | None) -> dict:
    """The survey as the widgets render it: texts in one locale, targeting the browser evaluates."""
    content, default = survey.content, survey.content.get("defaultLocale", "en")
    locale = pick_locale(list(content["questions"][0]["text"]), wanted, default)

    def text(value):
        return None if value is None else value.get(locale) or value.get(default)

    questions = []
    for q in content["questions"]:
        out = {
            k: v
            for k, v in q.items()
            if k
            not in (
                "text",
                "lowLabel",
                "highLabel",
                "placeholder",
                "choices",
                "measures",
                "dimension",
                "weight",
                "trait",
            )
        }
        out["text"] = text(q["text"])
        for name in ("lowLabel", "highLabel", "placeholder"):
            if name in q:
                out[name] = text(q[name])
        if "choices" in q:
            out["choices"] = [{"id": c["id"], "label": text(c["label"])} for c in q["choices"]]
        questions.append(out)
    t = survey.targeting
    return {
        "id": str(survey.id),
        "kind": survey.kind,
        "priority": survey.priority,
        "locale": locale,
        "dir": direction(locale),
        "trigger": t.get("trigger") or {"type": "pageview", "delay": 0},
        "url": t.get("url"),
        "questions": questions,
        "thankYou": text(content.get("thankYou")),
        "appearance": survey.appearance,
    }
