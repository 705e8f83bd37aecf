"""The dashboard's survey builder form: its fields as the PM typed them, to and from a SurveySchema document.

The form is plain HTML (it works without JavaScript), so a survey travels as flat field names:
`name`, `kind`, `defaultLocale`, `locales` (the other locales), `thankYou.<locale>`, `q<n>.<field>`,
`q<n>.text.<locale>`, `q<n>.c<m>.label.<locale>`, `appearance.<field>`, `targeting.<field>`. Where a question goes
next posts as rows (`q<n>.c<m>.goto` per choice, `q<n>.r<k>.min|max|goto` per score range) and as text
(`q<n>.branches`): forms/branching.py says which wins.
Errors come back keyed by the same names, so each is shown next to its input with the input kept.
"""

import re
from dataclasses import dataclass, field

from ...schemas.surveys import LOCALE, QUESTION_TYPES
from .branching import CHOICES, Range, branch_text, draw, num, settle

LOCALIZED = ("text", "lowLabel", "highLabel", "placeholder")
STARTS = {"nps": "nps", "csat": "rating", "welcome": "single_choice", "custom": "text"}
MAX_ROWS = 40  # question or choice rows read from one form (the schema allows 20 questions, 20 choices)
_QUESTION, _CHOICE = re.compile(r"^q(\d{1,4})\.(\w+)"), re.compile(r"^q(\d{1,4})\.c(\d{1,4})\.")
_RANGE = re.compile(r"^q(\d{1,4})\.r(\d{1,4})\.")


@dataclass
class Choice:
    n: int
    id: str = ""
    label: dict = field(default_factory=dict)
    goals: str = ""
    goto: str = ""  # the question this choice leads to ("": the default, "end": the end)


@dataclass
class Question:
    n: int
    id: str = ""
    type: str = "text"
    required: bool = True
    text: dict = field(default_factory=dict)
    lowLabel: dict = field(default_factory=dict)
    highLabel: dict = field(default_factory=dict)
    placeholder: dict = field(default_factory=dict)
    scale: str = "5"
    maxLength: str = "1000"
    trait: str = ""
    measures: str = ""
    dimension: str = ""
    weight: str = ""
    next: str = ""
    branches: str = ""  # the branches as text, one per line
    choices: list = field(default_factory=list)
    ranges: list = field(default_factory=list)  # score range rows (Range) of nps and rating questions
    rows: bool = True  # the rows show the branches (else only the text can)
    shown: str | None = None  # the text the page was drawn with, as posted back
    typed: bool = False  # the posted text, not the rows, says where to go (branching.settle)
    problems: dict = field(default_factory=dict)  # the rows' errors, by field name


@dataclass
class SurveyForm:
    """Every field of the builder, as text (what the PM typed), with the question and choice rows."""

    name: str = ""
    kind: str = "nps"
    defaultLocale: str = "en"
    otherLocales: str = ""
    thankYou: dict = field(default_factory=dict)
    questions: list = field(default_factory=list)
    appearance: dict = field(
        default_factory=lambda: {
            "position": "bottom-right",
            "theme": "light",
            "accent": "",
            "background": "",
            "text": "",
        }
    )
    targeting: dict = field(
        default_factory=lambda: {
            "segment": "",
            "urlMatch": "",
            "urlValue": "",
            "trigger": "pageview",
            "event": "",
            "feature": "",
            "delay": "0",
            "sample": "100",
            "frequency": "until_answered",
            "frequencyDays": "",
            "recontactDays": "30",
            "priority": "0",
            "responseLimit": "",
        }
    )

    @property
    def locales(self) -> list[str]:
        """The default locale, then each other valid locale once."""
        out = [self.defaultLocale if LOCALE.match(self.defaultLocale) else "en"]
        for locale in re.split(r"[\s,]+", self.otherLocales):
            if LOCALE.match(locale) and locale not in out:
                out.append(locale)
        return out

    def add_question(self, type_: str = "text") -> Question:
        """Append a question row of `type_` with a fresh id (and two choice rows for choice questions)."""
        n = max((q.n for q in self.questions), default=-1) + 1
        taken = {q.id for q in self.questions}
        qid = next(f"q{i}" for i in range(n + 1, n + 100) if f"q{i}" not in taken)
        question = Question(n, qid, type_ if type_ in QUESTION_TYPES else "text")
        if question.type in CHOICES:
            question.choices = [Choice(0), Choice(1)]
        draw(question, self.locales[0])
        self.questions.append(question)
        return question

    def question(self, n: int) -> Question | None:
        return next((q for q in self.questions if q.n == n), None)


def blank(kind: str = "nps") -> SurveyForm:
    """A new survey of `kind`, starting with the question its kind needs."""
    kind = kind if kind in STARTS else "nps"
    form = SurveyForm(kind=kind, thankYou={"en": "Thank you!"})
    first = form.add_question(STARTS[kind])
    if kind == "nps":
        first.id, first.text = "score", {"en": "How likely are you to recommend us to a friend or colleague?"}
        first.lowLabel, first.highLabel = {"en": "Not likely"}, {"en": "Very likely"}
    elif kind == "csat":
        first.id, first.text = "csat", {"en": "How satisfied are you?"}
    draw(first, "en")
    return form


def from_survey(survey) -> SurveyForm:
    """The form of a stored survey."""
    content, t = survey.content or {}, survey.targeting or {}
    default = content.get("defaultLocale", "en")
    questions = content.get("questions") or []
    texts = (
        [content.get("thankYou") or {}]
        + [q.get(k) or {} for q in questions for k in LOCALIZED]
        + [c["label"] for q in questions for c in q.get("choices") or []]
    )
    others = sorted({loc for text in texts for loc in text} - {default})
    appearance = survey.appearance or {}
    colors = appearance.get("colors") or {}
    url, trigger, frequency = t.get("url") or {}, t.get("trigger") or {}, t.get("frequency") or {}
    form = SurveyForm(survey.name, survey.kind, default, ", ".join(others), dict(content.get("thankYou") or {}))
    for n, q in enumerate(questions):
        form.questions.append(
            Question(
                n,
                q["id"],
                q["type"],
                q.get("required", True),
                text=dict(q.get("text") or {}),
                lowLabel=dict(q.get("lowLabel") or {}),
                highLabel=dict(q.get("highLabel") or {}),
                placeholder=dict(q.get("placeholder") or {}),
                scale=str(q.get("scale") or 5),
                maxLength=str(q.get("maxLength") or 1000),
                trait=q.get("trait") or "",
                measures=q.get("measures") or "",
                dimension=q.get("dimension") or "",
                weight=num(q.get("weight")),
                next=q.get("next") or "",
                branches="\n".join(branch_text(b) for b in q.get("branches") or []),
                choices=[
                    Choice(m, c["id"], dict(c["label"]), ", ".join(c.get("goals") or []))
                    for m, c in enumerate(q.get("choices") or [])
                ],
            )
        )
        draw(form.questions[-1], default)
    form.appearance = {
        "position": appearance.get("position", "bottom-right"),
        "theme": appearance.get("theme", "light"),
        **{k: colors.get(k) or "" for k in ("accent", "background", "text")},
    }
    form.targeting = {
        "segment": t.get("segment") or "",
        "urlMatch": url.get("match", ""),
        "urlValue": url.get("value", ""),
        "trigger": trigger.get("type", "pageview"),
        "event": trigger.get("event") or "",
        "feature": trigger.get("feature") or "",
        "delay": str(trigger.get("delay") or 0),
        "sample": num(round(t.get("sampleRate", 1.0) * 100, 4)),
        "frequency": frequency.get("type", "until_answered"),
        "frequencyDays": num(frequency.get("days")),
        "recontactDays": str(t.get("recontactDays", 30)),
        "priority": str(t.get("priority", 0)),
        "responseLimit": num(t.get("responseLimit")),
    }
    return form


def from_post(data) -> SurveyForm:
    """The form as posted (a MultiDict), every value kept as typed (trimmed) so it can be shown again."""
    get = lambda name: (data.get(name) or "").strip()[:5000]  # noqa: E731
    form = SurveyForm(
        get("name"), get("kind"), get("defaultLocale") or "en", get("locales"), _localized(data, "thankYou")
    )
    form.appearance = {k: get(f"appearance.{k}") for k in form.appearance}
    form.targeting = {k: get(f"targeting.{k}") for k in form.targeting}
    # In the order the page lists them (a form posts its fields in document order): moving a question moves it.
    numbers = list(dict.fromkeys(int(m.group(1)) for key in data for m in [_QUESTION.match(key)] if m))[:MAX_ROWS]
    for n in numbers:
        p = f"q{n}."
        q = Question(
            n,
            get(p + "id"),
            get(p + "type"),
            bool(data.get(p + "required")),
            text=_localized(data, p + "text"),
            lowLabel=_localized(data, p + "lowLabel"),
            highLabel=_localized(data, p + "highLabel"),
            placeholder=_localized(data, p + "placeholder"),
            scale=get(p + "scale"),
            maxLength=get(p + "maxLength"),
            trait=get(p + "trait"),
            measures=get(p + "measures"),
            dimension=get(p + "dimension"),
            weight=get(p + "weight"),
            next=get(p + "next"),
            branches=(data.get(p + "branches") or "")[:5000],
        )
        rows = sorted({int(m.group(2)) for key in data for m in [_CHOICE.match(key)] if m and int(m.group(1)) == n})
        q.choices = [
            Choice(
                m,
                get(f"{p}c{m}.id"),
                _localized(data, f"{p}c{m}.label"),
                get(f"{p}c{m}.goals"),
                get(f"{p}c{m}.goto"),
            )
            for m in rows[:MAX_ROWS]
        ]
        spans = sorted({int(m.group(2)) for key in data for m in [_RANGE.match(key)] if m and int(m.group(1)) == n})
        q.ranges = [Range(k, get(f"{p}r{k}.min"), get(f"{p}r{k}.max"), get(f"{p}r{k}.goto")) for k in spans[:20]]
        q.shown = data.get(p + "shown")
        settle(q, form.locales[0], rows_posted=bool(data.get(p + "rows")))
        form.questions.append(q)
    return form


def _localized(data, prefix: str) -> dict:
    return {
        key[len(prefix) + 1 :]: (value or "").strip()[:5000]
        for key, value in data.items()
        if key.startswith(prefix + ".") and LOCALE.match(key[len(prefix) + 1 :])
    }
