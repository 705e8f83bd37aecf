"""Rate limits per write key on /v1, per secret key on /api/v1 and per address and survey on survey links, in
memory or shared through Redis."""

import hashlib
import logging
import math
import time

from flask import Flask, current_app, request
from limits import parse
from limits.errors import ConfigurationError, StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import STRATEGIES

from ..config import SettingsError
from ..errors import ApiError

log = logging.getLogger("gapwise.ratelimit")

# While Redis is unreachable, requests are allowed and Redis is tried again after this many seconds.
REDIS_RETRY_SECONDS = 30.0
REDIS_TIMEOUT_SECONDS = 0.5


class RateLimited(ApiError):
    status_code, code, message = 429, "rate_limited", "Too many requests for this key; retry later."


class LinkRateLimited(RateLimited):
    message = "Too many answers to this survey from your network just now; wait a minute and try again."


class RateLimits:
    """One app's limiter: the storage, the strategy and the parsed limits."""

    def __init__(self, config):
        redis_url = config.get("REDIS_URL")
        self.storage: RedisStorage | MemoryStorage
        if redis_url:
            self.storage = _redis_storage(redis_url, config)
        else:
            self.storage = MemoryStorage()
        self.limiter = STRATEGIES[config["RATE_LIMIT_STRATEGY"]](self.storage)
        self.limits = {
            "ingest": _parse(config["RATE_LIMIT_INGEST"]),
            "api": _parse(config["RATE_LIMIT_API"]),
            "link": _parse(config["RATE_LIMIT_LINK"]),
        }
        self.down_until = 0.0

    def hit(self, kind: str, *bucket: str) -> int | None:
        """Count one request; None when allowed, else the seconds until the bucket has room again."""
        limit = self.limits[kind]
        if limit is None or time.monotonic() < self.down_until:
            return None
        try:
            if self.limiter.hit(limit, kind, *bucket):
                self._recovered()
                return None
            reset_at, _ = self.limiter.get_window_stats(limit, kind, *bucket)
        except StorageError as error:
            self._failed(error)
            return None
        return max(1, math.ceil(reset_at - time.time()))

    def _failed(self, error: Exception) -> None:
        if not self.down_until:
            log.warning("rate limit storage unavailable, allowing requests: %s", error.__class__.__name__)
        self.down_until = time.monotonic() + REDIS_RETRY_SECONDS

    def _recovered(self) -> None:
        if self.down_until:
            log.warning("rate limit storage reachable again")
            self.down_until = 0.0


def _redis_storage(url: str, config) -> RedisStorage:
    """Counts shared through Redis; the redis client is an optional extra, so say how to add it."""
    try:
        return RedisStorage(
            url,
            key_prefix=config["RATE_LIMIT_PREFIX"],
            wrap_exceptions=True,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
    except ConfigurationError as missing:
        raise SettingsError("GAPWISE_REDIS_URL needs the redis client: pip install 'gapwise[redis]'") from missing


def _parse(text):
    """A limit such as "600/minute"; empty, "off" or "none" turns the limit off."""
    if not text or str(text).strip().lower() in ("off", "none", "0"):
        return None
    return parse(str(text))


def init_rate_limits(app: Flask) -> None:
    """The app's limiter; the tracker and the API blueprints count their requests with it."""
    app.extensions["gapwise.ratelimit"] = RateLimits(app.config)


def limit_api() -> None:
    """Count an /api/v1 request against its secret key (or its address when it has none)."""
    if request.method != "OPTIONS":
        _hit("api", "api", _secret_key_bucket())


def limit_config() -> None:
    """Count a GET /v1/config against its write key."""
    if request.method != "OPTIONS":
        _hit("ingest", "config", _write_key_bucket(request.args.get("writeKey")))


def limit_batch(write_key) -> None:
    """Count a batch against its write key (read by the view from the body it parses once anyway)."""
    _hit("ingest", "batch", _write_key_bucket(write_key))


def limit_link(public_id: str) -> None:
    """Count a survey link's page or answer against the client's address and the survey."""
    _hit("link", "link", f"addr:{request.remote_addr}", public_id[:32], error=LinkRateLimited)


def _hit(kind: str, *bucket: str, error: type[RateLimited] = RateLimited) -> None:
    """Answer 429 with Retry-After when the bucket is full."""
    retry_after = current_app.extensions["gapwise.ratelimit"].hit(kind, *bucket)
    if retry_after is not None:
        raise error(headers={"Retry-After": str(retry_after)})


def _write_key_bucket(write_key) -> str:
    # Write keys are public (they sit in every page), so they may name a bucket as they are.
    if isinstance(write_key, str) and 0 < len(write_key) <= 100:
        return f"wk:{write_key}"
    return f"addr:{request.remote_addr}"


def _secret_key_bucket() -> str:
    # Secret keys never reach storage: their SHA-256 names the bucket.
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        return "sk:" + hashlib.sha256(token.encode()).hexdigest()
    return f"addr:{request.remote_addr}"
