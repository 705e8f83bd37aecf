"""Which surveys a person should get now, and why or why not: one set of checks serves both."""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy import BindParameter, bindparam, case, func, select
from sqlalchemy.orm import Session

from ...models import Display, NudgeAssignment, Person, PersonAlias, Project, Response, Segment, Survey
from ...models.base import utcnow
from . import url_rules


class TargetedProject(Protocol):
    """What targeting reads of a project: a Project, or the ProjectConfig cached for /v1/config."""

    @property
    def id(self) -> int: ...
    @property
    def survey_cooldown_hours(self) -> int: ...


class TargetedSurvey(Protocol):
    """What targeting reads of a survey: a Survey, or the SurveyRule cached for /v1/config."""

    @property
    def id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def segment_id(self) -> int | None: ...
    @property
    def sample_rate(self) -> float: ...
    @property
    def targeting(self) -> dict: ...
    @property
    def priority(self) -> int: ...
    @property
    def response_limit(self) -> int | None: ...
    @property
    def kind(self) -> str: ...


_Survey = TypeVar("_Survey", bound=TargetedSurvey)


@dataclass
class Check:
    """One targeting rule applied to one person: whether it passed, and a sentence saying why."""

    rule: str
    passed: bool
    reason: str


@dataclass
class History:
    """What a person has already seen and answered, loaded once per request."""

    person_id: int | None
    sample_key: str | None
    last_shown: dict[int, datetime] = field(default_factory=dict)  # survey -> last display
    last_any: datetime | None = None  # any survey's last display
    completed: set[int] = field(default_factory=set)  # surveys with a completed response
    shown: set[int] = field(default_factory=set)


# Built once: /v1/config runs these for every person with surveys due, so they skip statement building.
_PROJECT: BindParameter[int] = bindparam("project_id")
_PERSON: BindParameter[int] = bindparam("person_id")
_BY_USER = select(Person.id).where(Person.project_id == _PROJECT, Person.user_id == bindparam("key"))
_BY_ALIAS = select(PersonAlias.person_id).where(
    PersonAlias.project_id == _PROJECT, PersonAlias.anonymous_id == bindparam("key")
)
_BROWSER = (
    select(PersonAlias.person_id, Person.user_id)
    .join(Person, Person.id == PersonAlias.person_id)
    .where(PersonAlias.project_id == _PROJECT, PersonAlias.anonymous_id == bindparam("key"))
)
# Per survey: the last display, and whether any of its displays got a complete answer.
_HISTORY = (
    select(Display.survey_id, func.max(Display.shown_at), func.max(case((Response.completed.is_(True), 1), else_=0)))
    .outerjoin(Response, (Response.project_id == Display.project_id) & (Response.display_id == Display.display_id))
    .where(Display.project_id == _PROJECT, Display.person_id == _PERSON)
    .group_by(Display.survey_id)
)

_LAST_NUDGE = select(func.max(NudgeAssignment.shown_at)).where(
    NudgeAssignment.project_id == _PROJECT, NudgeAssignment.person_id == _PERSON
)


def find_person(session: Session, project_id: int, anonymous_id: str | None, user_id: str | None) -> int | None:
    """The person behind these ids, if Gapwise has seen them."""
    if user_id:
        person = session.scalar(_BY_USER, {"project_id": project_id, "key": user_id})
        if person is not None:
            return person
    if anonymous_id:
        return session.scalar(_BY_ALIAS, {"project_id": project_id, "key": anonymous_id})
    return None


def find_browser_person(session: Session, project_id: int, anonymous_id: str | None, user_id: str | None) -> int | None:
    """The person a browser asking GET /v1/config is: the one its anonymousId belongs to.

    The write key is public, so a userId proves nothing: it never picks a person, or anyone could learn whether a
    user matches a segment (their traits) or has answered a survey. A userId that names someone else than the
    anonymousId's person (a shared browser) leaves the browser unknown.
    """
    if not anonymous_id:
        return None
    found = session.execute(_BROWSER, {"project_id": project_id, "key": anonymous_id}).first()
    if found is None or (user_id and found.user_id not in (None, user_id)):
        return None
    return found.person_id


def load_history(session: Session, project_id: int, person_id: int | None, sample_key: str | None) -> History:
    """A person's survey history (empty for someone not seen yet); `sample_key` places them in samples."""
    history = History(person_id, sample_key)
    if person_id is None:
        return history
    for survey_id, last, done in session.execute(_HISTORY, {"project_id": project_id, "person_id": person_id}):
        history.last_shown[survey_id] = last
        history.shown.add(survey_id)
        if done:
            history.completed.add(survey_id)
    # Nudges share the budget: their last display counts like a survey's.
    nudge_shown = session.scalar(_LAST_NUDGE, {"project_id": project_id, "person_id": person_id})
    history.last_any = max([*history.last_shown.values(), *([nudge_shown] if nudge_shown else [])], default=None)
    return history


def in_sample(survey_id: int, sample_key: str | None, rate: float) -> bool:
    """A stable coin: the same person is always in or always out of a survey's sample."""
    if rate >= 1:
        return True
    digest = hashlib.sha256(f"{survey_id}:{sample_key or ''}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def checks(
    session: Session,
    project: TargetedProject,
    survey: TargetedSurvey,
    history: History,
    responses: int,
    now: datetime | None = None,
) -> list[Check]:
    """Every server-side rule for showing `survey` to the person of `history` now."""
    now = now or utcnow()
    t = survey.targeting or {}
    out = [Check("status", survey.status == "active", f"the survey is {survey.status}")]
    out.append(_segment_check(session, project.id, survey, history, now))
    rate = survey.sample_rate
    out.append(
        Check(
            "sample",
            in_sample(survey.id, history.sample_key, rate),
            f"{rate:.0%} of people are sampled; this person is "
            f"{'in' if in_sample(survey.id, history.sample_key, rate) else 'out'} (a stable hash)",
        )
    )
    out.append(_frequency_check(survey, t.get("frequency") or {"type": "until_answered"}, history, now))
    recontact = t.get("recontactDays", 30)
    last = history.last_shown.get(survey.id)
    waited = last is None or now - last >= timedelta(days=recontact)
    out.append(
        Check(
            "recontact",
            waited,
            "never shown to this person"
            if last is None
            else f"last shown {_ago(now, last)} ago; the recontact window is {recontact} days",
        )
    )
    cooldown = project.survey_cooldown_hours
    rested = history.last_any is None or now - history.last_any >= timedelta(hours=cooldown)
    out.append(
        Check(
            "cooldown",
            rested,
            "no survey or nudge shown to this person yet"
            if history.last_any is None
            else f"a survey or nudge was shown {_ago(now, history.last_any)} ago; the project cooldown is {cooldown} h",
        )
    )
    url = t.get("url") or {}
    if url.get("match") == "regex" and not url_rules.runnable(url.get("value", "")):
        # Saved before patterns were checked: the tracker never gets it, so it never matches a page.
        out.append(Check("url", False, f"the URL pattern {url['value']!r} could freeze the page: it never matches"))
    limit = survey.response_limit
    out.append(
        Check(
            "response_limit",
            limit is None or responses < limit,
            f"{responses} completed responses" + (f" of a limit of {limit}" if limit else ", no limit"),
        )
    )
    return out


def _segment_check(session, project_id, survey, history, now) -> Check:
    if survey.segment_id is None:
        return Check("segment", True, "no segment: everyone")
    segment = session.get(Segment, survey.segment_id)
    if history.person_id is None:
        return Check("segment", False, f"segment {segment.key!r}: this person has not been seen yet")
    from ..segments.definitions import matches

    ok = matches(session, project_id, history.person_id, segment.rules, now)
    return Check("segment", ok, f"segment {segment.key!r}: the person {'matches' if ok else 'does not match'}")


def _frequency_check(survey, frequency, history, now) -> Check:
    kind, last = frequency["type"], history.last_shown.get(survey.id)
    if kind == "once":
        return Check(
            "frequency",
            survey.id not in history.shown,
            "shown once at most; " + ("already shown" if survey.id in history.shown else "not shown yet"),
        )
    if kind == "until_answered":
        done = survey.id in history.completed
        return Check("frequency", not done, "until answered; " + ("already answered" if done else "not answered yet"))
    days = frequency["days"]
    ok = last is None or now - last >= timedelta(days=days)
    return Check(
        "frequency",
        ok,
        f"every {days} days; " + ("never shown" if last is None else f"last shown {_ago(now, last)} ago"),
    )


def _ago(now: datetime, then: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400 * 2:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def completed_counts(session: Session, project_id: int) -> dict[int, int]:
    """Completed responses per survey of the project (for response limits)."""
    return dict(
        session.execute(
            select(Response.survey_id, func.count())
            .where(Response.project_id == project_id, Response.completed.is_(True))
            .group_by(Response.survey_id)
        ).all()
    )


def due_surveys(
    session: Session, project: TargetedProject, surveys: list[_Survey], history: History, now: datetime | None = None
) -> list[_Survey]:
    """The active surveys that pass every server-side check, highest priority first (ties by id)."""
    counts = completed_counts(session, project.id) if any(s.response_limit for s in surveys) else {}
    due = [s for s in surveys if all(c.passed for c in checks(session, project, s, history, counts.get(s.id, 0), now))]
    due.sort(key=lambda s: (-s.priority, s.id))
    # A welcome screen first: while one is due for the person, nothing else is (they answer or dismiss it, or
    # it waits out its recontact window, and the project cooldown follows its display).
    welcome = [s for s in due if s.kind == "welcome"]
    return welcome[:1] if welcome else due


def explain(session: Session, project: Project, survey: Survey, person_key: str, now: datetime | None = None) -> dict:
    """Why `survey` would or would not show to the person with this user id or anonymous id, rule by rule."""
    history = load_history(session, project.id, find_person(session, project.id, person_key, person_key), person_key)
    responses = completed_counts(session, project.id).get(survey.id, 0)
    found = checks(session, project, survey, history, responses, now)
    found.append(_welcome_check(session, project, survey, history, now))
    t = survey.targeting or {}
    trigger, url = t.get("trigger") or {"type": "pageview"}, t.get("url")
    browser = [
        {"rule": "url", "reason": "any page" if not url else f"the page URL must {url['match']} {url['value']!r}"},
        {"rule": "trigger", "reason": _trigger_text(trigger)},
    ]
    return {
        "survey": survey.id,
        "person": person_key,
        "known": history.person_id is not None,
        "eligible": all(c.passed for c in found),
        "checks": [{"rule": c.rule, "passed": c.passed, "reason": c.reason} for c in found],
        "checkedInBrowser": browser,
    }


def _welcome_check(session: Session, project: Project, survey: Survey, history: History, now: datetime | None) -> Check:
    """A welcome survey due for the person goes first: any other waits until it is answered or dismissed."""
    if survey.kind == "welcome":
        return Check("welcome", True, "this is a welcome survey")
    welcomes = list(
        session.scalars(
            select(Survey).where(Survey.project_id == project.id, Survey.status == "active", Survey.kind == "welcome")
        )
    )
    first = due_surveys(session, project, welcomes, history, now)
    if first:
        return Check(
            "welcome", False, f"the welcome survey “{first[0].name}” comes first, until they answer or dismiss it"
        )
    return Check("welcome", True, "no welcome survey is waiting for this person")


def _trigger_text(trigger: dict) -> str:
    delay = f", after {trigger.get('delay') or 0} s"
    return {
        "immediate": "as soon as the tracker loads",
        "pageview": "on a page view",
        "event": f"when the event {trigger.get('event')!r} is tracked",
        "feature": f"when the feature {trigger.get('feature')!r} is used",
    }[trigger["type"]] + delay
