"""A per-process cache of what each project tells its trackers, so /v1/config rarely touches the database."""

import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")


def get(project_id: int, build: Callable[[], T]) -> T:
    """The project's cached value, rebuilt by `build()` once it is older than CONFIG_CACHE_SECONDS."""
    cache = _cache()
    hit = cache.get(project_id)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    value = build()
    cache[project_id] = (now + current_app.config["CONFIG_CACHE_SECONDS"], value)
    return value


def invalidate(project_id: int) -> None:
    """Forget a project's value in this process (other processes see the change within the TTL)."""
    _cache().pop(project_id, None)


def _cache() -> dict:
    return current_app.extensions.setdefault("gapwise.config_cache", {})
