"""What a survey's hosted page shows and records: the survey in the reader's locale, an answer prefilled from
the link (`?score=9`), and answers turned into the `survey` messages the tracker sends, captured into the same
ingest log, so the writer stamps them with the person's stage, deduplicates them and announces them."""

import re
import uuid
from datetime import datetime

from ...errors import BadRequest, Unprocessable
from ...models import Survey
from ...models.base import utcnow
from ..ingest import capture
from ..ingest.responses import valid_answer
from .links import Identity, display_id
from .locales import pick_locale
from .tracker_config import SurveyRule, localize

# Query parameters a link may carry besides answers.
RESERVED = ("uid", "sig", "lang")
# Question types a link can answer: a number or a choice fits in a URL; text does not belong there.
PREFILLABLE = ("nps", "rating", "single_choice")
ACTIONS = ("shown", "answered")
_INTEGER = re.compile(r"-?\d{1,3}")


def locale_for(survey: Survey, lang: str | None, accepted: list[str]) -> str:
    """`?lang=` when the survey has it, else the first Accept-Language it has (or its language), else its default."""
    content = survey.content
    default = content.get("defaultLocale", "en")
    available = list(content["questions"][0]["text"])
    for wanted in ([lang] if lang else []) + accepted:
        chosen = pick_locale(available, wanted[:16], "")
        if chosen:
            return chosen
    return default


def page_survey(survey: Survey, locale: str) -> dict:
    """The survey as the widgets render it, in one locale, without the targeting a page has no use for."""
    rule = SurveyRule(
        survey.id,
        survey.status,
        survey.segment_id,
        survey.sample_rate,
        survey.targeting or {},
        survey.priority,
        survey.response_limit,
        survey.content,
        survey.appearance or {},
        survey.kind,
    )
    shown = localize(rule, locale)
    for name in ("trigger", "url", "priority"):
        shown.pop(name, None)
    return shown


def prefill(survey: Survey, args) -> dict:
    """The first question's answer a link carries (`?score=9` or `?<question id>=<value>`); {} when it carries
    none that is valid, and the question is then asked as usual."""
    first = survey.content["questions"][0]
    if first["type"] not in PREFILLABLE:
        return {}
    raw = args.get(first["id"]) if first["id"] not in RESERVED else None
    if raw is None and first["type"] in ("nps", "rating"):
        raw = args.get("score")
    if raw is None or len(raw) > 100:
        return {}
    value: int | str = int(raw) if first["type"] != "single_choice" and _INTEGER.fullmatch(raw) else raw
    return {first["id"]: value} if valid_answer(first, value) else {}


def check_answers(survey: Survey, answers) -> dict:
    """The answers, if each names a question of the survey and fits it; else Unprocessable naming the wrong ones."""
    if not isinstance(answers, dict):
        raise Unprocessable(errors={"answers": ["Must be an object of question id to answer."]})
    questions = {q["id"]: q for q in survey.content["questions"]}
    errors = {
        str(qid)[:100]: ["No such question."] if qid not in questions else ["Not a valid answer to this question."]
        for qid, value in answers.items()
        if qid not in questions or not valid_answer(questions[qid], value)
    }
    if errors:
        raise Unprocessable("Some answers do not fit the survey.", errors={"answers": errors})
    return answers


def record(
    survey: Survey,
    identity: Identity,
    action: str,
    answers: dict,
    completed: bool,
    locale: str | None,
    user_agent: str | None,
    now: datetime | None = None,
) -> dict:
    """Capture one step of the page (shown, or the answers so far) as tracker messages; return capture's answer.

    Every step names the person's one display of the survey (links.display_id), so the writer keeps a single
    response per person, updated by each answer: a second click on an email's score replaces the first."""
    now = now or utcnow()
    common: dict[str, object] = {
        "type": "survey",
        "surveyId": str(survey.id),
        "displayId": display_id(survey.id, identity),
        "timestamp": now.isoformat(),
        "context": {"channel": "link"},
    }
    if identity.user_id is not None:
        common["userId"] = identity.user_id
    else:
        common["anonymousId"] = f"link-{identity.anonymous_id}"
    if locale:
        common["locale"] = locale
    messages = [{**common, "messageId": str(uuid.uuid4()), "action": "shown"}]
    if action == "answered":
        messages.append(
            {**common, "messageId": str(uuid.uuid4()), "action": "answered", "answers": answers, "completed": completed}
        )
    answer = capture.capture(survey.project_id, messages, None, now, user_agent)
    if answer["rejected"]:
        raise BadRequest("The answer cannot be stored.", errors=answer["rejected"][0]["errors"])
    return answer
