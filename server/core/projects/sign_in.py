"""The sign-in throttle: attempts per (email, address) and per address, counted where every process sees them.

Attempts are counted per pair of email and client address (LOGIN_ATTEMPTS in LOGIN_WINDOW_SECONDS), so
someone guessing a password from one address cannot lock its owner out from theirs, and per address
across every email (LOGIN_ATTEMPTS_PER_ADDRESS), so one address cannot try passwords on many accounts.
The windows slide. Counts live in Redis when GAPWISE_REDIS_URL is set (the rate limits' storage), and
otherwise in the database, which every process already shares; either way they expire with the window,
so memory stays bounded. Emails and addresses are kept only as digests. A refused attempt is not
counted, so waiting out the window always works.
"""

import contextlib
import hashlib
import logging
import math
import time

from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ...models import SignInAttempt
from .users import normalise_email

log = logging.getLogger("gapwise.sign_in")


def _buckets(config, email: str, address: str) -> list[tuple[str, int]]:
    """The buckets one attempt counts against, each with its allowance."""
    pair = hashlib.sha256(f"{normalise_email(email)}\n{address}".encode(errors="replace")).hexdigest()[:40]
    place = hashlib.sha256(address.encode(errors="replace")).hexdigest()[:40]
    return [(f"pair:{pair}", config["LOGIN_ATTEMPTS"]), (f"addr:{place}", config["LOGIN_ATTEMPTS_PER_ADDRESS"])]


class SignInThrottle:
    """`attempt()` before checking a password, `succeeded()` after a right one."""

    def __init__(self, config, storage=None):
        self.config = config
        self.limiter = MovingWindowRateLimiter(storage) if isinstance(storage, RedisStorage) else None

    def attempt(self, session: Session, email: str, address: str) -> int:
        """Count this attempt and return 0, or return the seconds to wait (and count nothing)."""
        buckets = _buckets(self.config, email, address or "")
        if self.limiter is not None:
            try:
                return self._attempt_redis(buckets)
            except StorageError as error:  # Redis is down: the database still counts
                log.warning("sign-in throttle: Redis unavailable, counting in the database: %s", type(error).__name__)
        return self._attempt_database(session, buckets)

    def succeeded(self, session: Session, email: str, address: str) -> None:
        """A right password: the pair's failed attempts no longer count (the address's still do)."""
        pair, limit = _buckets(self.config, email, address or "")[0]
        if self.limiter is not None:
            with contextlib.suppress(StorageError):
                self.limiter.clear(self._item(limit), "signin", pair)
        session.execute(delete(SignInAttempt).where(SignInAttempt.bucket == pair))
        session.commit()

    @property
    def window(self) -> int:
        return int(self.config["LOGIN_WINDOW_SECONDS"])

    def _item(self, limit: int) -> RateLimitItemPerSecond:
        return RateLimitItemPerSecond(limit, self.window)

    def _attempt_redis(self, buckets) -> int:
        assert self.limiter is not None
        wait = 0
        for bucket, limit in buckets:
            if not self.limiter.test(self._item(limit), "signin", bucket):
                reset_at, _ = self.limiter.get_window_stats(self._item(limit), "signin", bucket)
                wait = max(wait, math.ceil(reset_at - time.time()), 1)
        if wait:
            return wait
        for bucket, limit in buckets:
            self.limiter.hit(self._item(limit), "signin", bucket)
        return 0

    def _attempt_database(self, session: Session, buckets) -> int:
        # Written and committed before counting, so two attempts at once each see the other.
        now = time.time()
        rows = [SignInAttempt(bucket=bucket, attempted_at=now) for bucket, _ in buckets]
        session.add_all(rows)
        session.execute(delete(SignInAttempt).where(SignInAttempt.attempted_at <= now - self.window))
        session.commit()
        wait = 0
        for bucket, limit in buckets:
            times = session.scalars(
                select(SignInAttempt.attempted_at)
                .where(SignInAttempt.bucket == bucket, SignInAttempt.attempted_at > now - self.window)
                .order_by(SignInAttempt.attempted_at)
                .limit(limit + 1)
            ).all()
            if len(times) > limit:
                wait = max(wait, math.ceil(times[0] + self.window - now), 1)
        if wait:
            session.execute(delete(SignInAttempt).where(SignInAttempt.id.in_([row.id for row in rows])))
            session.commit()
        return wait
