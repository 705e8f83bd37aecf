"""Query arguments of GET /v1/config."""
from marshmallow import EXCLUDE, Schema, fields, validate

from .fields import Identifier


class ConfigQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    writeKey = fields.String(required=True, validate=validate.Length(1, 64))
    anonymousId = Identifier(load_default=None)
    userId = Identifier(load_default=None)
