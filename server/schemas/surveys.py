"""Survey schemas: one per question type (chosen by `type`), texts per locale, appearance, targeting."""

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from .features import KEY
from .fields import Identifier, WholeNumber

QUESTION_TYPES = ("nps", "rating", "single_choice", "multi_choice", "text")
DIMENSIONS = ("reliability", "responsiveness", "assurance", "empathy", "tangibles")
LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$", error="Use 1 to 40 letters, digits, '_' or '-'.")
COLOR = validate.Regexp(r"^#[0-9a-fA-F]{6}$", error="Use a colour like #4f46e5.")


class LocalizedText(fields.Field):
    """A text, or a text per locale: "Hi" or {"en": "Hi", "fr": "Salut"}; stored as the mapping."""

    def __init__(self, max_length=500, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = {"": value}  # the survey's default locale, filled in by SurveySchema
        if not isinstance(value, dict) or not value or len(value) > 30:
            raise ValidationError("Give a text, or an object of texts by locale.")
        for locale, text in value.items():
            if locale and not LOCALE.match(locale):
                raise ValidationError(f"{locale!r} is not a locale like 'en' or 'pt-BR'.")
            if not isinstance(text, str) or not 1 <= len(text) <= self.max_length or "\x00" in text:
                raise ValidationError(f"Each text needs 1 to {self.max_length} characters.")
        return value


class BranchSchema(Schema):
    """Where to go after an answer: by score range (nps, rating) or by choices picked."""

    min = fields.Float(load_default=None)
    max = fields.Float(load_default=None)
    choices = fields.List(fields.String(validate=ID), load_default=None)
    goto = fields.String(required=True, validate=validate.Regexp(r"^(end|[A-Za-z0-9_-]{1,40})$"))

    @validates_schema
    def one_condition(self, data, **kwargs):
        if data["choices"] is None and data["min"] is None and data["max"] is None:
            raise ValidationError("Give min/max or choices.")


class ChoiceSchema(Schema):
    id = fields.String(required=True, validate=ID)
    label = LocalizedText(required=True, max_length=200)
    # Welcome screens: the feature goals this choice stands for.
    goals = fields.List(
        fields.String(validate=validate.Length(1, 100)), load_default=list, validate=validate.Length(max=20)
    )


class QuestionSchema(Schema):
    """What every question has."""

    class Meta:
        unknown = EXCLUDE

    id = fields.String(required=True, validate=ID)
    type = fields.String(required=True, validate=validate.OneOf(QUESTION_TYPES))
    text = LocalizedText(required=True)
    required = fields.Boolean(load_default=True)
    branches = fields.List(fields.Nested(BranchSchema), load_default=list, validate=validate.Length(max=20))
    next = fields.String(load_default=None, validate=validate.Regexp(r"^(end|[A-Za-z0-9_-]{1,40})$"))


class ScaleQuestionSchema(QuestionSchema):
    lowLabel = LocalizedText(load_default=None, max_length=100)
    highLabel = LocalizedText(load_default=None, max_length=100)
    # The P − E input of the gap engine: what this rating measures, and of what.
    measures = fields.String(
        load_default=None, validate=validate.OneOf(("expectation", "perception", "value_expected", "value_realised"))
    )
    dimension = fields.String(load_default=None, validate=validate.Length(1, 64))
    weight = fields.Float(load_default=None, validate=validate.Range(0, 100))

    @validates_schema
    def dimension_known(self, data, **kwargs):
        dimension = data.get("dimension")
        if dimension and dimension not in DIMENSIONS and not KEY.regex.match(dimension):
            raise ValidationError("A SERVQUAL dimension or a feature key.", "dimension")


class NpsQuestionSchema(ScaleQuestionSchema):
    pass


class RatingQuestionSchema(ScaleQuestionSchema):
    scale = WholeNumber(required=True, validate=validate.OneOf((5, 7)))


class ChoiceQuestionSchema(QuestionSchema):
    choices = fields.List(fields.Nested(ChoiceSchema), required=True, validate=validate.Length(2, 20))
    # Welcome screens: the person trait the chosen choice id is written to (e.g. "role").
    trait = fields.String(load_default=None, validate=validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"))

    @validates_schema
    def unique_choices(self, data, **kwargs):
        ids = [c["id"] for c in data.get("choices", [])]
        if len(ids) != len(set(ids)):
            raise ValidationError("Choice ids must be unique.", "choices")


class TextQuestionSchema(QuestionSchema):
    placeholder = LocalizedText(load_default=None, max_length=200)
    maxLength = WholeNumber(load_default=1000, validate=validate.Range(1, 5000))


QUESTION_SCHEMAS = {
    "nps": NpsQuestionSchema(),
    "rating": RatingQuestionSchema(),
    "single_choice": ChoiceQuestionSchema(),
    "multi_choice": ChoiceQuestionSchema(),
    "text": TextQuestionSchema(),
}


class QuestionField(fields.Field):
    """A question, validated by the schema its `type` names."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("A question must be an object.")
        kind = value.get("type")
        schema = QUESTION_SCHEMAS.get(kind) if isinstance(kind, str) else None
        if schema is None:
            raise ValidationError({"type": [f"Must be one of: {', '.join(QUESTION_TYPES)}."]})
        return schema.load(value)


class UrlRuleSchema(Schema):
    match = fields.String(required=True, validate=validate.OneOf(("contains", "exact", "regex")))
    value = fields.String(required=True, validate=validate.Length(1, 500))

    @validates_schema
    def regex_compiles(self, data, **kwargs):
        if data.get("match") == "regex":
            try:
                re.compile(data["value"])
            except re.error as error:
                raise ValidationError(f"Not a regular expression: {error}.", "value") from error


class TriggerSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(("pageview", "event", "feature", "immediate")))
    event = fields.String(load_default=None, validate=validate.Length(1, 200))
    feature = fields.String(load_default=None, validate=KEY)
    delay = WholeNumber(load_default=0, validate=validate.Range(0, 3600))

    @validates_schema
    def target_named(self, data, **kwargs):
        if data.get("type") == "event" and not data.get("event"):
            raise ValidationError("An event trigger names its event.", "event")
        if data.get("type") == "feature" and not data.get("feature"):
            raise ValidationError("A feature trigger names its feature.", "feature")


class FrequencySchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(("once", "until_answered", "every")))
    days = WholeNumber(load_default=None, validate=validate.Range(1, 3650))

    @validates_schema
    def days_for_every(self, data, **kwargs):
        if data.get("type") == "every" and not data.get("days"):
            raise ValidationError("'every' needs days.", "days")


class TargetingSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    segment = fields.String(load_default=None, validate=KEY)
    url = fields.Nested(UrlRuleSchema, load_default=None, allow_none=True)
    trigger = fields.Nested(
        TriggerSchema, load_default=lambda: {"type": "pageview", "event": None, "feature": None, "delay": 0}
    )
    sampleRate = fields.Float(load_default=1.0, validate=validate.Range(0, 1))
    frequency = fields.Nested(FrequencySchema, load_default=lambda: {"type": "until_answered", "days": None})
    recontactDays = WholeNumber(load_default=30, validate=validate.Range(0, 3650))
    responseLimit = WholeNumber(load_default=None, allow_none=True, validate=validate.Range(1, 10_000_000))
    priority = WholeNumber(load_default=0, validate=validate.Range(-1000, 1000))


class AppearanceSchema(Schema):
    position = fields.String(
        load_default="bottom-right", validate=validate.OneOf(("bottom-right", "bottom-left", "center"))
    )
    theme = fields.String(load_default="light", validate=validate.OneOf(("light", "dark")))
    colors = fields.Dict(
        keys=fields.String(validate=validate.OneOf(("accent", "background", "text"))),
        values=fields.String(validate=COLOR, allow_none=True),
        load_default=dict,
    )


class SurveySchema(Schema):
    """Create a survey (or, partial, change one)."""

    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(("welcome", "nps", "csat", "custom")))
    status = fields.String(load_default="draft", validate=validate.OneOf(("draft", "active", "paused", "archived")))
    defaultLocale = fields.String(load_default="en", validate=validate.Regexp(LOCALE))
    questions = fields.List(QuestionField(), required=True, validate=validate.Length(1, 20))
    thankYou = LocalizedText(load_default=lambda: {"": "Thank you!"}, max_length=300)
    appearance = fields.Nested(AppearanceSchema, load_default=lambda: AppearanceSchema().load({}))
    targeting = fields.Nested(TargetingSchema, load_default=lambda: TargetingSchema().load({}))

    @validates_schema
    def coherent(self, data, partial=False, **kwargs):
        questions = data.get("questions")
        if questions is None:
            return
        ids = [q["id"] for q in questions]
        if len(ids) != len(set(ids)):
            raise ValidationError("Question ids must be unique.", "questions")
        for q in questions:
            targets = [b["goto"] for b in q["branches"]] + ([q["next"]] if q["next"] else [])
            missing = [t for t in targets if t != "end" and t not in ids]
            if missing:
                raise ValidationError(f"Question {q['id']!r} goes to unknown question {missing[0]!r}.", "questions")
        if data.get("kind") == "nps" and questions[0]["type"] != "nps":
            raise ValidationError("An NPS survey starts with an nps question.", "questions")
        if data.get("kind") == "csat" and (questions[0]["type"] != "rating" or questions[0]["scale"] != 5):
            raise ValidationError("A CSAT survey starts with a 1-5 rating question.", "questions")

    @post_load
    def default_locale(self, data, partial=False, **kwargs):
        """Plain-string texts belong to the default locale, which every text must have."""
        if "questions" in data or "thankYou" in data:
            in_default_locale(_texts(data), data.get("defaultLocale", "en"))
        return data


class EligibilityQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    person = Identifier(required=True)


def in_default_locale(texts, locale: str) -> None:
    """Give each (field path, text) of `texts` its plain string under `locale`; every text needs that locale."""
    for path, text in texts:
        if "" in text:
            text[locale] = text.pop("")
        if locale not in text:
            raise ValidationError(f"Missing the default locale {locale!r} text.", path)


def _texts(data: dict):
    """Every localized text of a survey, with the field path it sits at."""
    if "thankYou" in data:
        yield "thankYou", data["thankYou"]
    for q in data.get("questions") or []:
        for name in ("text", "lowLabel", "highLabel", "placeholder"):
            if q.get(name):
                yield "questions", q[name]
        for choice in q.get("choices") or []:
            yield "questions", choice["label"]
