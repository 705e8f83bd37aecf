"""Query args of /api/v1/scores: a window, a cohort (stage, segment, survey) and a period to break down by."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from ..models.people import STAGES
from .features import KEY
from .fields import Timestamp, WholeNumber


class ScoresQuerySchema(Schema):
    """Filters of the scores; every one optional. `until` is exclusive."""

    class Meta:
        unknown = EXCLUDE

    since = Timestamp(load_default=None)
    until = Timestamp(load_default=None)
    stage = fields.String(load_default=None, validate=validate.OneOf(STAGES))
    segment = fields.String(load_default=None, validate=KEY)
    survey_id = WholeNumber(data_key="survey", load_default=None, validate=validate.Range(1, 2**31 - 1))
    period = fields.String(load_default=None, validate=validate.OneOf(("week", "month")))

    @validates_schema
    def since_before_until(self, data, **kwargs):
        if data["since"] is not None and data["until"] is not None and data["since"] >= data["until"]:
            raise ValidationError("Must be after since.", "until")
