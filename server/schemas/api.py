"""Accounts, responses and secret keys as the admin API filters, returns and creates them."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from ..models.people import STAGES
from .fields import Timestamp, WholeNumber
from .pagination import PageQuerySchema

_TEXT = validate.Length(1, 200)


class AccountQuerySchema(PageQuerySchema):
    """Filters of GET /api/v1/accounts, on top of `limit` and `cursor`."""

    class Meta:
        unknown = EXCLUDE

    plan = fields.String(load_default=None, validate=_TEXT, metadata={"description": "Exactly this plan."})
    tier = fields.String(load_default=None, validate=_TEXT, metadata={"description": "Exactly this tier."})
    q = fields.String(
        load_default=None,
        validate=_TEXT,
        metadata={"description": "Name or external id contains this text (any case)."},
    )


class AccountOutSchema(Schema):
    """A customer account, from `group` calls, with how many people belong to it."""

    id = WholeNumber()
    externalId = fields.String(attribute="external_id", metadata={"description": "The groupId it was sent with."})
    name = fields.String(allow_none=True)
    plan = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    mrr = fields.Float(allow_none=True)
    traits = fields.Dict()
    people = WholeNumber(metadata={"description": "People who belong to the account."})
    createdAt = fields.DateTime(attribute="created_at")
    updatedAt = fields.DateTime(attribute="updated_at")


class ResponseQuerySchema(PageQuerySchema):
    """Filters of GET /api/v1/responses, on top of `limit` and `cursor`; `until` is exclusive."""

    class Meta:
        unknown = EXCLUDE

    survey = WholeNumber(
        load_default=None, validate=validate.Range(1, 2**31 - 1), metadata={"description": "A survey id."}
    )
    stage = fields.String(
        load_default=None,
        validate=validate.OneOf(STAGES),
        metadata={"description": "The journey stage the person was in when answering."},
    )
    completed = fields.Boolean(load_default=None, metadata={"description": "Only complete (true) or partial (false)."})
    since = Timestamp(load_default=None, metadata={"description": "Answered at or after."})
    until = Timestamp(load_default=None, metadata={"description": "Answered before."})
    person = fields.String(load_default=None, validate=_TEXT, metadata={"description": "A person's user id."})

    @validates_schema
    def ordered(self, data, **kwargs):
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise ValidationError("since must be before until.", "since")


class ResponseOutSchema(Schema):
    """One survey response: the answers given in one display, stamped with the person's stage."""

    id = WholeNumber()
    survey = WholeNumber(attribute="survey_id", metadata={"description": "The survey's id."})
    personId = WholeNumber(attribute="person_id")
    userId = fields.String(attribute="user_id", allow_none=True, metadata={"description": "Null for anonymous people."})
    displayId = fields.String(attribute="display_id")
    answers = fields.Dict(metadata={"description": "Answers by question id."})
    score = fields.Float(allow_none=True, metadata={"description": "The answer of the first NPS or rating question."})
    locale = fields.String(allow_none=True)
    completed = fields.Boolean()
    stage = fields.String()
    createdAt = fields.DateTime(attribute="created_at")
    updatedAt = fields.DateTime(attribute="updated_at")


class KeyCreateSchema(Schema):
    """A new secret key: a name that says who or what uses it."""

    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=_TEXT)

    @validates_schema
    def printable(self, data, **kwargs):
        if not data["name"].strip() or "\x00" in data["name"]:
            raise ValidationError("Give a name that is not blank.", "name")


class KeyOutSchema(Schema):
    """A secret key as listed: never the key itself nor its hash, only its first characters."""

    id = WholeNumber()
    name = fields.String()
    prefix = fields.String(metadata={"description": "The key's first characters, to tell keys apart."})
    createdAt = fields.DateTime(attribute="created_at")
    lastUsedAt = fields.DateTime(
        attribute="last_used_at",
        allow_none=True,
        metadata={"description": "Last request made with the key, to the minute."},
    )
    revokedAt = fields.DateTime(attribute="revoked_at", allow_none=True)


class KeyCreatedSchema(KeyOutSchema):
    """A key just created: the only answer that ever holds the key itself."""

    key = fields.String(metadata={"description": "The secret key (sk_…). Store it now: it is never shown again."})
