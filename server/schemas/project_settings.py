"""A project's own settings: the origins allowed to send from a browser, the survey cooldown, the time zone."""

import ipaddress
import re
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from .fields import WholeNumber

MAX_ORIGINS = 100
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


@lru_cache(maxsize=1)
def timezones() -> tuple[str, ...]:
    """Every IANA time zone this Python knows, sorted."""
    return tuple(sorted(available_timezones()))


def normalise_origin(text: str) -> str:
    """`scheme://host[:port]` as a browser sends it in `Origin` (lowercase, IDNA, no default port), or ValueError."""
    text = text.strip()
    if len(text) > 300 or any(c.isspace() for c in text):
        raise ValueError("Not an origin.")
    parts = urlsplit(text)
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc:
        raise ValueError("An origin starts with http:// or https:// and names a host.")
    if parts.path not in ("", "/") or parts.query or parts.fragment or text.endswith(("?", "#")):
        raise ValueError("An origin has no path, query or fragment: https://app.example.com")
    if parts.username is not None or parts.password is not None:
        raise ValueError("An origin has no user name or password.")
    try:
        port, host = parts.port, parts.hostname or ""
        if ":" in host:
            host = f"[{ipaddress.IPv6Address(host).compressed}]"
        else:
            host = host.encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        raise ValueError("Not a valid host or port.") from None
    if not host.startswith("[") and not _HOST.fullmatch(host):
        raise ValueError("Not a valid host.")
    if port is not None and port != _DEFAULT_PORTS[parts.scheme]:
        host = f"{host}:{port}"
    return f"{parts.scheme}://{host}"


def known_zone(name: str) -> None:
    """Refuse a name that is not an IANA time zone."""
    if name not in timezones():
        raise ValidationError("Not an IANA time zone, such as Europe/Paris or America/New_York.")


class Origin(fields.String):
    """An origin, normalised the way browsers send it."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise_origin(text)
        except ValueError as error:
            raise ValidationError(f"{text!r}: {error}") from None


class ProjectSettingsSchema(Schema):
    """What an owner may change on the settings page; an empty origin list allows any origin."""

    class Meta:
        unknown = EXCLUDE

    allowedOrigins = fields.List(
        Origin(), attribute="allowed_origins", load_default=list, validate=validate.Length(max=MAX_ORIGINS)
    )
    surveyCooldownHours = WholeNumber(
        attribute="survey_cooldown_hours", required=True, validate=validate.Range(0, 24 * 365)
    )
    timezone = fields.String(required=True, validate=known_zone)
