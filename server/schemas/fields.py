"""Small fields shared by the schemas."""
from datetime import UTC, datetime

from marshmallow import ValidationError, fields


class Timestamp(fields.Field):
    """An ISO 8601 timestamp; one without an offset is taken as UTC."""

    default_error_messages = {"invalid": "Not an ISO 8601 timestamp."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 40:
            raise self.make_error("invalid")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as error:
            raise self.make_error("invalid") from error
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class Identifier(fields.Field):
    """A non-empty id of at most 200 characters; numbers are accepted and kept as text."""

    default_error_messages = {"invalid": "Must be a non-empty string of at most 200 characters."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value or len(value) > 200:
            raise self.make_error("invalid")
        return value


class JSONObject(fields.Field):
    """Any JSON object, kept as it is."""

    default_error_messages = {"invalid": "Must be a JSON object."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise self.make_error("invalid")
        return value


def require_one_of(data: dict, *names: str) -> None:
    """Raise unless at least one of the named fields is present."""
    if not any(data.get(name) is not None for name in names):
        raise ValidationError(f"One of {', '.join(names)} is required.", names[0])
