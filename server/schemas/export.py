"""Query args of /api/v1/export/events and /api/v1/export/responses (and of `gapwise export`)."""

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from .fields import Identifier, Timestamp, WholeNumber

MAX_ID = 2**63 - 1
FORMATS = ("csv", "ndjson", "parquet")


class ExportQuerySchema(Schema):
    """The format, a window (`since` inclusive, `until` exclusive), a person, and where to resume.

    An unknown argument is refused (422) rather than ignored: a misspelt filter must not silently
    export everything.
    """

    class Meta:
        unknown = RAISE

    format = fields.String(
        load_default="csv",
        validate=validate.OneOf(FORMATS),
        metadata={"description": "csv (default), ndjson or parquet"},
    )
    since = Timestamp(load_default=None, metadata={"description": "ISO 8601; rows at or after this time"})
    until = Timestamp(load_default=None, metadata={"description": "ISO 8601; rows before this time"})
    person = Identifier(load_default=None, metadata={"description": "a user id or an anonymous id"})
    after = WholeNumber(
        load_default=0,
        validate=validate.Range(0, MAX_ID),
        metadata={"description": "resume: only rows whose id is greater than this"},
    )
    limit = WholeNumber(
        load_default=None,
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "at most this many rows (default: all)"},
    )

    @validates_schema
    def since_before_until(self, data, **kwargs):
        if data.get("since") is not None and data.get("until") is not None and data["since"] >= data["until"]:
            raise ValidationError("Must be after since.", "until")


class EventsExportQuerySchema(ExportQuerySchema):
    """Events: the common args and an event name (the path for page views)."""

    event = fields.String(
        load_default=None, validate=validate.Length(1, 200), metadata={"description": "only events with this name"}
    )


class ResponsesExportQuerySchema(ExportQuerySchema):
    """Survey responses: the common args and a survey id."""

    survey_id = WholeNumber(
        data_key="survey",
        load_default=None,
        validate=validate.Range(1, 2**31 - 1),
        metadata={"description": "only responses to this survey"},
    )
