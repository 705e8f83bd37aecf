"""JSON responses through orjson."""

from decimal import Decimal

import orjson
from flask.json.provider import JSONProvider


def _default(value):
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class OrjsonProvider(JSONProvider):
    """Flask's JSON provider, backed by orjson (several times faster than the standard library)."""

    def dumps(self, obj, **kwargs) -> str:
        return orjson.dumps(obj, default=_default, option=orjson.OPT_NON_STR_KEYS).decode()

    def loads(self, s, **kwargs):
        return orjson.loads(s)
