"""Small fields shared by the schemas."""

from datetime import UTC, datetime

from marshmallow import ValidationError, fields

MIN_YEAR, MAX_YEAR = 1970, 2200


class Timestamp(fields.Field):
    """An ISO 8601 timestamp; one without an offset is taken as UTC."""

    default_error_messages = {
        "invalid": "Not an ISO 8601 timestamp.",
        "range": "The year must be between 1970 and 2200.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 40:
            raise self.make_error("invalid")
        try:
            parsed = datetime.fromisoformat(value)
            parsed = parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except (ValueError, OverflowError) as error:
            raise self.make_error("invalid") from error
        if not MIN_YEAR <= parsed.year <= MAX_YEAR:
            raise self.make_error("range")
        return parsed


class Identifier(fields.Field):
    """A non-empty id of at most 200 characters; numbers are accepted and kept as text."""

    default_error_messages = {"invalid": "Must be a non-empty string of at most 200 characters."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value or len(value) > 200 or "\x00" in value:
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


class WholeNumber(fields.Integer):
    """An integer: 1.5 is refused, not cut to 1 (1.0 and "2" are taken, as marshmallow's Integer takes them)."""

    default_error_messages = {"fraction": "Not a valid integer: a whole number is needed."}

    def _validated(self, value):
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("fraction")
        return super()._validated(value)
