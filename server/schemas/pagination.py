"""Cursor pagination for the admin API's lists: rows in id order; the cursor is opaque and names the last id seen.

A cursor stays valid while rows are added or removed: the next page starts after that id, so walking a
list never repeats or skips a row that existed throughout.
"""

import base64
import binascii

import orjson
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

from .fields import WholeNumber

DEFAULT_LIMIT, MAX_LIMIT = 50, 500


class PageQuerySchema(Schema):
    """`limit` rows per page (1–500, default 50), starting after `cursor` (from the previous page's nextCursor)."""

    class Meta:
        unknown = EXCLUDE

    limit = WholeNumber(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT))
    cursor = fields.String(load_default=None, validate=validate.Length(1, 200))

    @validates("cursor")
    def readable(self, value, **kwargs):
        if value is not None:
            decode_cursor(value)


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"after": last_id})).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The id a cursor points after (0 for the first page); a cursor not made here is a ValidationError."""
    if cursor is None:
        return 0
    try:
        after = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["after"]
    except (binascii.Error, ValueError, TypeError, KeyError, orjson.JSONDecodeError):
        raise ValidationError("Not a cursor from this API: pass the nextCursor of the previous page.") from None
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after < 2**63:
        raise ValidationError("Not a cursor from this API: pass the nextCursor of the previous page.")
    return after
