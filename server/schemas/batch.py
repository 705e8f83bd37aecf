"""The body of POST /v1/batch: the envelope and one schema per message type."""

from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from .fields import Identifier, JSONObject, Timestamp, require_one_of

MESSAGE_TYPES = ("track", "identify", "group", "page", "survey")
SURVEY_ACTIONS = ("shown", "dismissed", "answered")


class EnvelopeSchema(Schema):
    """{"writeKey", "sentAt", "batch": [...]}; the messages are validated one by one afterwards."""

    class Meta:
        unknown = EXCLUDE

    writeKey = fields.String(required=True, validate=validate.Length(1, 64))
    sentAt = Timestamp(load_default=None)
    batch = fields.List(fields.Raw(), required=True)


class MessageSchema(Schema):
    """What every message carries."""

    class Meta:
        unknown = EXCLUDE

    type = fields.String(required=True)
    messageId = fields.String(required=True, validate=validate.Length(1, 100))
    anonymousId = Identifier(load_default=None, allow_none=True)
    userId = Identifier(load_default=None, allow_none=True)
    timestamp = Timestamp(load_default=None, allow_none=True)
    context = JSONObject(load_default=None, allow_none=True)

    @validates_schema
    def check_identity(self, data, **kwargs):
        require_one_of(data, "anonymousId", "userId")


class TrackSchema(MessageSchema):
    event = fields.String(required=True, validate=validate.Length(1, 200))
    properties = JSONObject(load_default=dict)


class IdentifySchema(MessageSchema):
    traits = JSONObject(load_default=dict)


class AccountTraitsSchema(Schema):
    """The account fields Gapwise reads; every other trait is kept as it is."""

    class Meta:
        unknown = INCLUDE

    name = fields.String(allow_none=True, validate=validate.Length(max=200))
    plan = fields.String(allow_none=True, validate=validate.Length(max=100))
    tier = fields.String(allow_none=True, validate=validate.Length(max=100))
    mrr = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(min=0, max=1e12, max_inclusive=False))


class GroupSchema(MessageSchema):
    groupId = Identifier(required=True)
    traits = fields.Nested(AccountTraitsSchema, load_default=dict)


class PageSchema(MessageSchema):
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    properties = JSONObject(load_default=dict)


class SurveySchema(MessageSchema):
    surveyId = Identifier(required=True)
    action = fields.String(required=True, validate=validate.OneOf(SURVEY_ACTIONS))
    answers = JSONObject(load_default=dict)
    # One display of the survey: its shown, answered (partial, then complete) and dismissed messages share it.
    displayId = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 100))
    completed = fields.Boolean(load_default=True)
    locale = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 16))

    @validates_schema
    def answers_when_answered(self, data, **kwargs):
        if data.get("action") == "answered" and not data.get("answers"):
            raise ValidationError("An answered survey needs answers.", "answers")


SCHEMAS = {
    "track": TrackSchema(),
    "identify": IdentifySchema(),
    "group": GroupSchema(),
    "page": PageSchema(),
    "survey": SurveySchema(),
}


def load_message(raw) -> dict:
    """Validate one message with the schema its `type` names; raise ValidationError with the reasons."""
    if not isinstance(raw, dict):
        raise ValidationError("Each message must be a JSON object.", "_schema")
    kind = raw.get("type")
    schema = SCHEMAS.get(kind) if isinstance(kind, str) else None
    if schema is None:
        raise ValidationError(f"Must be one of: {', '.join(MESSAGE_TYPES)}.", "type")
    return schema.load(raw)
