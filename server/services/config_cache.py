"""A per-process cache of each project's config document, so /v1/config rarely touches the database."""
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class CachedDocument:
    body: bytes
    etag: str
    expires: float


def get(project_id: int, build: Callable[[], bytes]) -> CachedDocument:
    """The project's cached document, rebuilt by `build()` once it is older than CONFIG_CACHE_SECONDS."""
    cache = _cache()
    hit = cache.get(project_id)
    now = time.monotonic()
    if hit is not None and hit.expires > now:
        return hit
    body = build()
    doc = CachedDocument(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"',
                         now + current_app.config["CONFIG_CACHE_SECONDS"])
    cache[project_id] = doc
    return doc


def invalidate(project_id: int) -> None:
    """Forget a project's document in this process (other processes see the change within the TTL)."""
    _cache().pop(project_id, None)


def _cache() -> dict:
    return current_app.extensions.setdefault("gapwise.config_cache", {})
