"""Surveys as the admin API returns them."""

from marshmallow import Schema, fields

from .fields import WholeNumber


class SurveyOutSchema(Schema):
    id = WholeNumber()
    name = fields.String()
    kind = fields.String()
    status = fields.String()
    publicId = fields.String(
        attribute="public_id",
        metadata={"description": "The id of the survey's own page, /s/<publicId> (unguessable, unlike id)."},
    )
    defaultLocale = fields.Function(lambda s: s.content.get("defaultLocale"))
    questions = fields.Function(lambda s: s.content.get("questions"))
    thankYou = fields.Function(lambda s: s.content.get("thankYou"))
    appearance = fields.Dict()
    targeting = fields.Dict()
    createdAt = fields.DateTime(attribute="created_at")
    updatedAt = fields.DateTime(attribute="updated_at")
