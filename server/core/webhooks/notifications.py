"""Notifications: which events a destination wants (its filters), what its URL may be, and a sample to test it with.

Filters are checked when an event is queued, so an event a destination does not want never enters the outbox.
Every filter given must hold; response filters judge `response.created`, gap filters judge `gap.flagged` and
`gap.closed`, and other events (a nudge's verdict, a test) pass them all.
"""

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import Unprocessable
from ...models import Survey, Webhook
from ...models.base import utcnow
from ...schemas.webhooks import GAP_EVENTS, GAP_FILTERS, RESPONSE_FILTERS, given_filters
from . import targets

# Slack and Teams URLs must be https, except for a receiver inside a network the operator allows (a relay).
HTTPS_ONLY = "Slack and Teams incoming-webhook URLs start with https://."


@dataclass
class Event:
    """An event about to be queued, with what filters and messages read besides its data."""

    project_id: int
    type: str
    data: dict
    occurred_at: datetime
    survey: Survey | None = None
    base_url: str | None = field(default=None)


def event(session: Session, project_id: int, event_type: str, data: dict, occurred_at: datetime) -> Event:
    """The event with its survey (for a response) and the dashboard's public address."""
    survey = None
    if event_type == "response.created" and data.get("surveyId") is not None:
        survey = session.scalar(
            select(Survey).where(Survey.project_id == project_id, Survey.id == int(data["surveyId"]))
        )
    base = (current_app.config.get("PUBLIC_URL") or "").rstrip("/") or None
    return Event(project_id, event_type, data, occurred_at, survey, base)


def matches(filters: dict | None, ev: Event) -> bool:
    """Whether every filter given holds for the event."""
    given = given_filters(filters)
    if ev.type == "response.created":
        return all(_RESPONSE[name](value, ev) for name, value in given.items() if name in _RESPONSE)
    if ev.type in GAP_EVENTS:
        return all(_GAP[name](value, ev.data) for name, value in given.items() if name in _GAP)
    return True


def _answers_of(ev: Event, question_type: str) -> list:
    """The answers to the survey's questions of one type."""
    answers = ev.data.get("answers") or {}
    questions = (ev.survey.content or {}).get("questions", []) if ev.survey is not None else []
    return [answers[q["id"]] for q in questions if q.get("type") == question_type and q["id"] in answers]


def _at_most(question_type: str):
    def check(limit, ev: Event) -> bool:
        numbers = [a for a in _answers_of(ev, question_type) if isinstance(a, int | float) and not isinstance(a, bool)]
        return any(a <= limit for a in numbers)

    return check


def _contains(needle: str, ev: Event) -> bool:
    wanted = needle.casefold()
    return any(isinstance(a, str) and wanted in a.casefold() for a in _answers_of(ev, "text"))


_RESPONSE = {
    "surveyId": lambda survey_id, ev: ev.data.get("surveyId") is not None and int(ev.data["surveyId"]) == survey_id,
    "npsMax": _at_most("nps"),
    "ratingMax": _at_most("rating"),
    "textContains": _contains,
}
_GAP = {
    "gapTypes": lambda kinds, data: data.get("type") in kinds,
    "minPriority": lambda least, data: (data.get("priority") or 0) >= least,
}


def check_filters(session: Session, project_id: int, events: list[str], filters: dict) -> dict:
    """The filters to store (only those given), or Unprocessable (422 on `filters.…`) when one cannot apply."""
    given = given_filters(filters)
    errors: dict[str, list[str]] = {}
    for name in given:
        if name in RESPONSE_FILTERS and "response.created" not in events:
            errors[name] = ["This filter is about responses: subscribe to response.created."]
        elif name in GAP_FILTERS and not set(GAP_EVENTS) & set(events):
            errors[name] = ["This filter is about gaps: subscribe to gap.flagged or gap.closed."]
    survey_id = given.get("surveyId")
    known = select(Survey.id).where(Survey.project_id == project_id, Survey.id == survey_id)
    if survey_id is not None and "surveyId" not in errors and session.scalar(known) is None:
        errors["surveyId"] = [f"No survey with id {survey_id} in this project."]
    if errors:
        raise Unprocessable("A filter cannot apply.", errors={"filters": errors})
    return given


def check_scheme(kind: str, url: str, allowed: tuple[targets.Network, ...], timeout: float) -> None:
    """Unprocessable (422 on `url`) for a Slack or Teams URL that is not https, unless it names a receiver on a
    network the operator allows (plain http stays inside it)."""
    parts = urlsplit(url)
    if kind == "webhook" or parts.scheme == "https":
        return
    try:
        host = targets.parse_host(parts.hostname or "")
        addresses = targets.resolve(host, parts.port or 80, timeout)
    except (targets.BlockedTarget, targets.Unresolved, ValueError):
        addresses = []
    inside = addresses and all(not targets.is_public(a) and targets.permitted(a, allowed) for a in addresses)
    if not inside:
        raise Unprocessable(errors={"url": [HTTPS_ONLY]})


def covering(session: Session, project_id: int, survey_id: int | None = None, gaps: bool = False) -> list[Webhook]:
    """The project's destinations that would hear of a survey's responses (or, with `gaps`, of gaps)."""
    rows = session.scalars(select(Webhook).where(Webhook.project_id == project_id).order_by(Webhook.id))
    found = []
    for hook in rows:
        events, wanted = hook.events or [], given_filters(hook.filters).get("surveyId")
        hears = set(GAP_EVENTS) & set(events) if gaps else "response.created" in events and wanted in (None, survey_id)
        if hears:
            found.append(hook)
    return found


SAMPLE_TEXT = "Exporting to CSV times out on big reports <again> & again: we need it for Monday's board meeting."


def sample(session: Session, hook: Webhook) -> Event:
    """A realistic event to test a Slack or Teams destination with: an unhappy answer to the survey it covers (one
    its filters would let through), or a gap of a kind it wants; marked as a test in the message."""
    base = event(session, hook.project_id, "webhook.test", {}, utcnow())
    given = given_filters(hook.filters)
    if "response.created" in (hook.events or []):
        scope = [Survey.id == given["surveyId"]] if "surveyId" in given else []
        survey = session.scalar(
            select(Survey).where(Survey.project_id == hook.project_id, *scope).order_by(Survey.id.desc()).limit(1)
        )
        answers = _sample_answers(survey, given)
        score = next((v for v in answers.values() if isinstance(v, int)), None)
        base.survey, base.data = (
            survey,
            {
                "sample": "response",
                "surveyId": survey.id if survey is not None else None,
                "personId": None,
                "userId": "sample.person@example.com",
                "answers": answers,
                "score": float(score) if score is not None else None,
                "stage": "active",
            },
        )
    elif set(GAP_EVENTS) & set(hook.events or []):
        base.data = {
            "sample": "gap",
            "type": (given.get("gapTypes") or ["stall"])[0],
            "subject": "reports",
            "cohort": "all",
            "severity": "high",
            "priority": max(given.get("minPriority") or 0.0, 0.82),
            "affectedPeople": 42,
            "headline": "People who start a report rarely export it (sample)",
        }
    return base


def _sample_answers(survey: Survey | None, given: dict) -> dict:
    if survey is None:
        return {}
    answers: dict = {}
    for q in (survey.content or {}).get("questions", []):
        if q["type"] == "nps":
            answers[q["id"]] = min(3, given.get("npsMax", 3))
        elif q["type"] == "rating":
            answers[q["id"]] = min(2, given.get("ratingMax", 2))
        elif q["type"] == "text":
            answers[q["id"]] = SAMPLE_TEXT + (f" ({given['textContains']})" if "textContains" in given else "")
        elif q.get("choices"):
            first = q["choices"][0]["id"]
            answers[q["id"]] = [first] if q["type"] == "multi_choice" else first
    return answers
