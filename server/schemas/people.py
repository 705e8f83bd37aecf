"""People as the admin API lists, shows and exports them, and the filters of the list."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from .features import KEY
from .fields import Timestamp, WholeNumber
from .pagination import PageQuerySchema

STAGES = ("trial", "aha", "activation", "adoption")


class PeopleQuerySchema(PageQuerySchema):
    """Filters of GET /api/v1/people, on top of `limit` and `cursor`."""

    class Meta:
        unknown = EXCLUDE

    userId = fields.String(load_default=None, validate=validate.Length(1, 200))
    anonymousId = fields.String(load_default=None, validate=validate.Length(1, 200))
    stage = fields.String(load_default=None, validate=validate.OneOf(STAGES))
    segment = fields.String(load_default=None, validate=KEY)
    account = fields.String(load_default=None, validate=validate.Length(1, 200))
    # The people a gap touches, as its latest evaluation found them (the gap's id in GET /api/v1/gaps).
    gap = WholeNumber(load_default=None, validate=validate.Range(1, 2**63 - 1))
    seenSince = Timestamp(load_default=None)
    seenUntil = Timestamp(load_default=None)

    @validates_schema
    def ordered(self, data, **kwargs):
        if data.get("seenSince") and data.get("seenUntil") and data["seenSince"] >= data["seenUntil"]:
            raise ValidationError("seenSince must be before seenUntil.", "seenSince")


class PersonAccountSchema(Schema):
    id = WholeNumber()
    externalId = fields.String(attribute="external_id")
    name = fields.String(allow_none=True)


class PersonOutSchema(Schema):
    """A person: ids, account, traits and where they are on the journey."""

    id = WholeNumber()
    userId = fields.String(attribute="user_id", allow_none=True)
    anonymousIds = fields.List(fields.String(), attribute="anonymous_ids")
    account = fields.Nested(PersonAccountSchema, allow_none=True)
    traits = fields.Dict()
    stage = fields.String()
    firstSeen = fields.DateTime(attribute="first_seen")
    lastSeen = fields.DateTime(attribute="last_seen")
    ahaAt = fields.DateTime(attribute="aha_at", allow_none=True)
    activatedAt = fields.DateTime(attribute="activated_at", allow_none=True)
    adoptedAt = fields.DateTime(attribute="adopted_at", allow_none=True)


class PeoplePageSchema(Schema):
    people = fields.List(fields.Nested(PersonOutSchema))
    nextCursor = fields.String(allow_none=True)


class DeletedSchema(Schema):
    """What a GDPR deletion removed, row counts by kind."""

    deleted = fields.Dict(keys=fields.String(), values=WholeNumber())


class _HeldEventSchema(Schema):
    messageId = fields.String()
    type = fields.String()
    name = fields.String(allow_none=True)
    properties = fields.Dict()
    context = fields.Dict(allow_none=True)
    timestamp = fields.DateTime()
    receivedAt = fields.DateTime()


class _HeldDisplaySchema(Schema):
    displayId = fields.String()
    survey = fields.String()
    stage = fields.String()
    shownAt = fields.DateTime()
    dismissedAt = fields.DateTime(allow_none=True)
    answeredAt = fields.DateTime(allow_none=True)


class _HeldResponseSchema(Schema):
    displayId = fields.String()
    survey = fields.String()
    answers = fields.Dict()
    score = fields.Float(allow_none=True)
    completed = fields.Boolean()
    locale = fields.String(allow_none=True)
    stage = fields.String()
    createdAt = fields.DateTime()
    updatedAt = fields.DateTime()


class _HeldGoalSchema(Schema):
    goal = fields.String()
    chosenAt = fields.DateTime()


class PersonExportSchema(Schema):
    """Everything held about one person."""

    person = fields.Nested(PersonOutSchema)
    events = fields.List(fields.Nested(_HeldEventSchema))
    displays = fields.List(fields.Nested(_HeldDisplaySchema))
    responses = fields.List(fields.Nested(_HeldResponseSchema))
    goals = fields.List(fields.Nested(_HeldGoalSchema))
