"""The builder form validated into a survey document (SurveySchema), with errors keyed by the form's field names."""

from marshmallow import ValidationError

from ...schemas.surveys import SurveySchema
from . import branching
from .branching import CHOICES, SCALES, parse_branches, slug
from .survey_form import LOCALIZED, SurveyForm

_SCHEMA = SurveySchema()
_TARGETING = {
    ("url", "match"): "targeting.urlMatch",
    ("url", "value"): "targeting.urlValue",
    ("trigger", "type"): "targeting.trigger",
    ("trigger", "event"): "targeting.event",
    ("trigger", "feature"): "targeting.feature",
    ("trigger", "delay"): "targeting.delay",
    ("sampleRate",): "targeting.sample",
    ("frequency", "type"): "targeting.frequency",
    ("frequency", "days"): "targeting.frequencyDays",
}


class FormInvalid(Exception):
    """The form cannot be saved: `errors` maps a field name (or "_form") to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("The survey form has errors.")
        self.errors = errors


def load(form: SurveyForm) -> dict:
    """A document SurveySchema has validated, or FormInvalid naming the fields to fix."""
    errors: dict[str, list[str]] = {}
    document = _document(form, errors)
    try:
        data = _SCHEMA.load(document)
    except ValidationError as error:
        checked = set(errors)  # the form's own, plainer message about a field wins over the schema's
        for path, message in _flatten(error.messages):
            if (name := _field(form, path)) not in checked:
                errors.setdefault(name, []).append(message)
        data = None
    if errors:
        raise FormInvalid({name: list(dict.fromkeys(messages)) for name, messages in errors.items()})
    return data


def service_errors(form: SurveyForm, messages) -> dict[str, list[str]]:
    """A service's Unprocessable errors (e.g. an unknown segment) keyed by form field names."""
    out: dict[str, list[str]] = {}
    for path, message in _flatten(messages or {"_schema": ["The survey could not be saved."]}):
        out.setdefault(_field(form, path), []).append(message)
    return out


def _document(form: SurveyForm, errors: dict) -> dict:
    locales, default = form.locales, form.locales[0]

    def texts(name: str, values: dict, required: bool = False):
        given = {loc: values[loc] for loc in locales if values.get(loc)}
        if given and default not in given:
            errors.setdefault(name, []).append(f"Write the {default} text too: it is the default locale.")
        elif required and not given:
            errors.setdefault(name, []).append(f"Write the {default} text.")
        return given or None

    document = {
        "name": form.name,
        "kind": form.kind,
        "defaultLocale": default,
        "thankYou": texts("thankYou", form.thankYou) or {default: "Thank you!"},
        "questions": [_question(form, q, texts, errors) for q in form.questions],
        "appearance": {
            "position": form.appearance["position"],
            "theme": form.appearance["theme"],
            "colors": {k: form.appearance[k] for k in ("accent", "background", "text") if form.appearance[k]},
        },
        "targeting": _targeting(form.targeting, errors),
    }
    for name, messages in branching.problems(form).items():
        errors.setdefault(name, []).extend(messages)
    return document


def _question(form: SurveyForm, q, texts, errors) -> dict:
    p = f"q{q.n}."
    if not q.id:
        q.id = f"q{form.questions.index(q) + 1}"  # shown back in the form, so branches can name it
    out = {"id": q.id, "type": q.type, "required": q.required, "text": texts(p + "text", q.text, required=True)}
    out["branches"], problems = parse_branches(q.branches)
    if problems:
        errors[p + "branches"] = problems
    errors.update(q.problems)
    if q.next:
        out["next"] = q.next
    if q.type in SCALES:
        for name in ("lowLabel", "highLabel"):
            if value := texts(p + name, getattr(q, name)):
                out[name] = value
        out.update({k: getattr(q, k) for k in ("measures", "dimension", "weight") if getattr(q, k)})
        if q.type == "rating":
            out["scale"] = q.scale
    elif q.type in CHOICES:
        q.choices = [c for c in q.choices if c.id or any(c.label.values()) or c.goals]  # blank rows are not choices
        out["choices"] = []
        for position, c in enumerate(q.choices, 1):
            label = texts(f"{p}c{c.n}.label", c.label, required=True) or {}
            c.id = c.id or slug(label.get(form.locales[0], ""), f"c{position}")
            out["choices"].append(
                {"id": c.id, "label": label, "goals": [g.strip() for g in c.goals.split(",") if g.strip()]}
            )
        if q.trait:
            out["trait"] = q.trait
    elif q.type == "text":
        if value := texts(p + "placeholder", q.placeholder):
            out["placeholder"] = value
        out["maxLength"] = q.maxLength or 1000
    return out


def _targeting(t: dict, errors: dict) -> dict:
    try:
        sample = float(t["sample"] or 100) / 100
    except ValueError:
        errors.setdefault("targeting.sample", []).append("Give a percentage from 0 to 100.")
        sample = 1.0
    trigger = {"type": t["trigger"], "delay": t["delay"] or 0}
    if t["trigger"] in ("event", "feature"):
        trigger[t["trigger"]] = t[t["trigger"]] or None
    return {
        "segment": t["segment"] or None,
        "url": {"match": t["urlMatch"], "value": t["urlValue"]} if t["urlMatch"] else None,
        "trigger": trigger,
        "sampleRate": sample,
        "frequency": {
            "type": t["frequency"],
            **({"days": t["frequencyDays"] or None} if t["frequency"] == "every" else {}),
        },
        "recontactDays": t["recontactDays"] or 30,
        "priority": t["priority"] or 0,
        "responseLimit": t["responseLimit"] or None,
    }


def _flatten(messages, path=()):
    """(path, message) for every message of a marshmallow error tree."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, (*path, key))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield path, message
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            yield from _flatten(value, (*path, index))
    else:
        yield path, str(messages)


def _field(form: SurveyForm, path: tuple) -> str:
    """The form field an error path of the survey document points at ("_form" when none does)."""
    head, rest = (path[0] if path else "_schema"), path[1:]
    if head in ("name", "kind", "defaultLocale", "thankYou"):
        return head
    if head == "appearance":
        return f"appearance.{rest[1]}" if rest[:1] == ("colors",) and len(rest) > 1 else f"appearance.{rest[0]}"
    if head == "targeting":
        return _TARGETING.get(rest[:2], _TARGETING.get(rest[:1], f"targeting.{rest[0]}" if rest else "_form"))
    if head != "questions" or not rest or not isinstance(rest[0], int) or rest[0] >= len(form.questions):
        return "questions" if head == "questions" else "_form"
    q, inner = form.questions[rest[0]], rest[1:]
    name = inner[0] if inner else None
    if name == "choices":
        index = inner[1] if len(inner) > 1 and isinstance(inner[1], int) else None
        if index is not None and index < len(q.choices) and len(inner) > 2 and inner[2] in ("id", "label", "goals"):
            return f"q{q.n}.c{q.choices[index].n}.{inner[2]}"
        return f"q{q.n}.choices"
    known = {
        "id",
        "type",
        "required",
        "next",
        "branches",
        "scale",
        "maxLength",
        "trait",
        "measures",
        "dimension",
        "weight",
        *LOCALIZED,
    }
    return f"q{q.n}.{name}" if name in known else f"q{q.n}"
