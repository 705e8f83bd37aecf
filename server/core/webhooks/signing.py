"""Standard Webhooks signatures (https://www.standardwebhooks.com/), symmetric scheme `v1`.

The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the signature is the base64 of its
HMAC-SHA256 keyed with the base64-decoded part of the secret after `whsec_`, sent as `v1,<signature>`
in the `webhook-signature` header (a space-separated list, so a rotated secret can sign alongside).
"""

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from ...schemas.webhooks import SECRET_PREFIX, secret_bytes

SECRET_SIZE = 32  # bytes; the standard asks for 24 to 64
TOLERANCE_SECONDS = 5 * 60


class InvalidSignature(Exception):
    """A webhook that does not verify: missing headers, a timestamp out of tolerance, or no matching signature."""


def new_secret() -> str:
    """A fresh signing secret: whsec_ + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_SIZE)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `v1,<base64 HMAC-SHA256>` signature of one attempt."""
    key = secret_bytes(secret)
    if not key:
        raise ValueError("not a whsec_ secret")
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def headers(secret: str, message_id: str, sent_at: datetime, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers of an attempt made at `sent_at`."""
    timestamp = int(sent_at.timestamp())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }


def verify(
    secret: str, received: dict[str, str], body: bytes, now: datetime, tolerance: int = TOLERANCE_SECONDS
) -> None:
    """Raise InvalidSignature unless the headers sign `body` with `secret` within `tolerance` seconds of `now`."""
    received = {k.lower(): v for k, v in received.items()}
    message_id, stamp, signatures = (received.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not (message_id and stamp and signatures):
        raise InvalidSignature("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise InvalidSignature("webhook-timestamp is not a unix time") from None
    if abs(now.timestamp() - timestamp) > tolerance:
        raise InvalidSignature("webhook-timestamp is outside the tolerance")
    expected = signature(secret, message_id, timestamp, body)
    if not any(hmac.compare_digest(expected.encode(), given.encode()) for given in signatures.split(" ")):
        raise InvalidSignature("no signature matches")
