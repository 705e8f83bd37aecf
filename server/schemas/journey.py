"""Query arguments of /api/v1/funnel."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from .features import KEY
from .fields import Timestamp


class FunnelQuerySchema(Schema):
    """Who the funnel counts: people first seen in [since, until), in a segment; `cohorts=week` splits by
    signup week."""

    class Meta:
        unknown = EXCLUDE

    since = Timestamp(load_default=None)
    until = Timestamp(load_default=None)
    segment = fields.String(load_default=None, validate=KEY)
    cohorts = fields.String(load_default=None, validate=validate.OneOf(("week",)))

    @validates_schema
    def ordered(self, data, **kwargs):
        if data["since"] and data["until"] and data["since"] >= data["until"]:
            raise ValidationError("since must be before until.", "since")
