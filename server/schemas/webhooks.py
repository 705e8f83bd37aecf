"""Webhook schemas: what /api/v1/webhooks accepts and returns, and the delivery log."""

import base64
import binascii
from urllib.parse import urlsplit

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_dump, validate, validates

from .fields import WholeNumber
from .pagination import PageQuerySchema

EVENTS = ("response.created", "gap.flagged", "gap.closed", "nudge.verdict")
MAX_URL_LENGTH = 2000
SECRET_PREFIX = "whsec_"
# Standard Webhooks: a symmetric secret is 24 to 64 random bytes, base64-encoded after "whsec_".
SECRET_BYTES = (24, 64)


class WebhookSchema(Schema):
    """Create (all fields) or update (partial) a webhook subscription."""

    class Meta:
        unknown = EXCLUDE

    url = fields.String(
        required=True,
        validate=[validate.Length(1, MAX_URL_LENGTH), validate.URL(schemes={"http", "https"}, require_tld=False)],
        metadata={"format": "uri", "description": "http(s) URL without credentials."},
    )
    events = fields.List(
        fields.String(validate=validate.OneOf(EVENTS)),
        required=True,
        validate=validate.Length(1, len(EVENTS)),
        metadata={"uniqueItems": True},
    )
    secret = fields.String(
        load_default=None,
        validate=validate.Length(max=100),
        metadata={"description": "whsec_ + base64 of 24–64 random bytes; generated when omitted."},
    )
    active = fields.Boolean(load_default=True)

    @validates("url")
    def no_credentials(self, value, **kwargs):
        # Credentials in a URL would be shown in every listing; receivers authenticate by signature instead.
        parts = urlsplit(value)
        if parts.username is not None or parts.password is not None:
            raise ValidationError("A webhook URL may not carry credentials (user:password@).")

    @validates("events")
    def distinct(self, value, **kwargs):
        if len(set(value)) != len(value):
            raise ValidationError("List each event once.")

    @validates("secret")
    def standard_secret(self, value, **kwargs):
        if value is not None and not SECRET_BYTES[0] <= len(secret_bytes(value) or b"") <= SECRET_BYTES[1]:
            raise ValidationError(f"Use {SECRET_PREFIX} followed by the base64 of 24 to 64 random bytes.")


def secret_bytes(secret: str) -> bytes | None:
    """The key bytes of a whsec_ secret, or None when it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    body = secret[len(SECRET_PREFIX) :]
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


class WebhookOutSchema(Schema):
    """A webhook as lists and reads show it: the secret only by its first characters."""

    id = WholeNumber()
    url = fields.String()
    events = fields.List(fields.String())
    active = fields.Boolean()
    secretPrefix = fields.Function(
        lambda w: w.secret[: len(SECRET_PREFIX) + 4],
        metadata={
            "type": "string",
            "description": "The first characters of the signing secret, to tell secrets apart.",
        },
    )
    createdAt = fields.DateTime(attribute="created_at")


class WebhookCreatedSchema(WebhookOutSchema):
    """A webhook just created: the only time its whole secret is shown."""

    secret = fields.String(metadata={"description": "The signing secret (whsec_…), shown this once."})


class DeliveryOutSchema(Schema):
    """One event for one webhook and how its delivery went."""

    id = WholeNumber()
    messageId = fields.String(attribute="message_id")
    eventType = fields.String(attribute="event_type")
    status = fields.String(metadata={"enum": ["pending", "delivered", "failed"]})
    attempts = WholeNumber()
    lastStatusCode = WholeNumber(attribute="last_status_code", allow_none=True)
    lastError = fields.String(attribute="last_error", allow_none=True)
    createdAt = fields.DateTime(attribute="created_at")
    nextAttemptAt = fields.DateTime(
        attribute="next_attempt_at",
        allow_none=True,
        metadata={"description": "When it is tried next; null unless pending."},
    )
    deliveredAt = fields.DateTime(attribute="delivered_at", allow_none=True)

    @post_dump(pass_original=True)
    def only_pending_retry(self, data, delivery, **kwargs):
        if delivery.status != "pending":
            data["nextAttemptAt"] = None
        return data


class DeliveryQuerySchema(PageQuerySchema):
    """`limit` and `cursor` of the delivery log, newest first; optionally only one status."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None, validate=validate.OneOf(("pending", "delivered", "failed")))
