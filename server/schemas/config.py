"""Query arguments of GET /v1/config."""

from marshmallow import EXCLUDE, Schema, fields, validate

from .fields import Identifier


class ConfigQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    writeKey = fields.String(required=True, validate=validate.Length(1, 64))
    anonymousId = Identifier(load_default=None)
    userId = Identifier(load_default=None)
    locale = fields.String(load_default=None, validate=validate.Regexp(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,2}$"))
