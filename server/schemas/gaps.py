"""Query arguments of /api/v1/gaps and the remediation a team records on a gap."""

from marshmallow import EXCLUDE, Schema, fields, validate

from .fields import Timestamp


class GapsQuerySchema(Schema):
    """`at`: the window ending on that day (reading: the latest evaluated window by default; evaluating: today)."""

    class Meta:
        unknown = EXCLUDE

    at = Timestamp(load_default=None)


class RemediationSchema(Schema):
    """Who owns a gap, where it stands, a note and a due date; any subset may be sent."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(validate=validate.OneOf(("open", "acknowledged", "in_progress", "resolved")))
    owner = fields.String(allow_none=True, validate=validate.Length(max=200))
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))
    due_date = fields.Date(allow_none=True, data_key="dueDate")
