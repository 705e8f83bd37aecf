"""Webhook schemas: what /api/v1/webhooks accepts and returns (signed webhooks, Slack and Teams destinations,
their filters), and the delivery log."""

import base64
import binascii
from urllib.parse import urlsplit

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, post_dump, validate, validates

from .fields import WholeNumber
from .gap_report import GAP_TYPES
from .pagination import PageQuerySchema

EVENTS = ("response.created", "gap.flagged", "gap.closed", "nudge.verdict")
GAP_EVENTS = ("gap.flagged", "gap.closed")
# webhook: the signed JSON event; slack: a Block Kit message; teams: an Adaptive Card message.
KINDS = ("webhook", "slack", "teams")
# Filters on responses (response.created) and on gaps (gap.flagged, gap.closed).
RESPONSE_FILTERS = ("surveyId", "npsMax", "ratingMax", "textContains")
GAP_FILTERS = ("gapTypes", "minPriority")
NO_NUL = "The text may not contain a NUL character."
MAX_URL_LENGTH = 2000
SECRET_PREFIX = "whsec_"
# Standard Webhooks: a symmetric secret is 24 to 64 random bytes, base64-encoded after "whsec_".
SECRET_BYTES = (24, 64)


class FiltersSchema(Schema):
    """Which events a destination is sent: all of them unless a filter says otherwise; every filter given must hold."""

    class Meta:
        unknown = RAISE  # a misspelt filter would silently let everything through

    surveyId = WholeNumber(
        allow_none=True,
        validate=validate.Range(1, 2**31 - 1),
        metadata={"description": "Only responses to this survey (null: every survey)."},
    )
    npsMax = fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(0, 10),
        metadata={"description": "Only responses whose NPS answer is at most this (6: detractors)."},
    )
    ratingMax = fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(1, 7),
        metadata={"description": "Only responses whose rating (CSAT) answer is at most this."},
    )
    textContains = fields.String(
        allow_none=True,
        validate=[validate.Length(1, 200), validate.Regexp(r"^[^\x00]*$", error=NO_NUL)],
        metadata={"description": "Only responses with an open-text answer containing this, in any case."},
    )
    gapTypes = fields.List(
        fields.String(validate=validate.OneOf(GAP_TYPES)),
        allow_none=True,
        validate=validate.Length(1, len(GAP_TYPES)),
        metadata={"uniqueItems": True, "description": "Only gaps of these kinds."},
    )
    minPriority = fields.Float(
        allow_none=True,
        allow_nan=False,
        validate=validate.Range(0, 1e9),
        metadata={"description": "Only gaps whose priority is at least this."},
    )

    @validates("gapTypes")
    def distinct_types(self, value, **kwargs):
        if value is not None and len(set(value)) != len(value):
            raise ValidationError("List each kind of gap once.")


def given_filters(filters: dict | None) -> dict:
    """The filters that say something (a null or empty one lets everything through)."""
    return {k: v for k, v in (filters or {}).items() if v not in (None, "", [])}


def mask_url(url: str) -> str:
    """A secret URL (Slack's, Teams') as lists show it: its scheme and host, then only its last four characters."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}/…{url[-4:]}"


class WebhookSchema(Schema):
    """Create (all fields) or update (partial) a destination: a signed webhook, a Slack or a Teams channel."""

    class Meta:
        unknown = EXCLUDE

    kind = fields.String(
        load_default="webhook",
        validate=validate.OneOf(KINDS),
        metadata={"description": "webhook: signed JSON; slack or teams: a message for an incoming-webhook URL."},
    )
    name = fields.String(
        load_default="", validate=[validate.Length(max=200), validate.Regexp(r"^[^\x00]*$", error=NO_NUL)]
    )
    filters = fields.Nested(FiltersSchema, load_default=dict)

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
    """A destination as lists and reads show it: the secret only by its first characters, and a Slack or Teams
    URL (a secret too) only by its host and last characters."""

    id = WholeNumber()
    kind = fields.String(metadata={"enum": list(KINDS)})
    name = fields.String()
    url = fields.Function(
        lambda w: w.url if w.kind == "webhook" else mask_url(w.url),
        metadata={"type": "string", "description": "The URL; a Slack or Teams one only as https://host/…last4."},
    )
    filters = fields.Function(lambda w: given_filters(w.filters), metadata={"type": "object"})
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
