"""Sending queued webhook deliveries: claim one that is due, POST it signed, then mark it delivered or retry later.

A claim is a short transaction (FOR UPDATE SKIP LOCKED on PostgreSQL, the write lock on SQLite) that
counts the attempt and leases the row for the request's timeout plus a margin; the POST happens outside
any transaction. A worker that dies mid-send leaves the row due again when its lease runs out, so every
event is delivered at least once; receivers deduplicate by `webhook-id`.
"""

import logging
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from flask import Flask, current_app
from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from ...db import begin_write, db
from ...models import Webhook, WebhookDelivery
from ...models.base import utcnow
from . import signing as webhook_signing
from . import transport as webhook_http

log = logging.getLogger("gapwise.webhooks")

# Seconds to wait after each failed attempt: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h
# (about three days in all, as Standard Webhooks suggests), each ± the jitter.
LEASE_MARGIN_SECONDS = 60


@dataclass(frozen=True)
class Settings:
    """The GAPWISE_WEBHOOK_* settings (their defaults are in Config)."""

    delays: tuple[float, ...]
    max_attempts: int
    jitter: float
    timeout: float
    poll: float

    @classmethod
    def current(cls) -> "Settings":
        config = current_app.config
        delays = tuple(float(d) for d in config["WEBHOOK_RETRY_DELAYS"])
        return cls(
            delays=delays,
            max_attempts=int(config["WEBHOOK_MAX_ATTEMPTS"] or len(delays) + 1),
            jitter=float(config["WEBHOOK_RETRY_JITTER"]),
            timeout=float(config["WEBHOOK_TIMEOUT_SECONDS"]),
            poll=float(config["WEBHOOK_POLL_SECONDS"]),
        )


@dataclass(frozen=True)
class Claim:
    """A delivery leased for one attempt, with what sending it needs."""

    id: int
    attempt: int
    message_id: str
    payload: dict
    webhook_id: int
    url: str
    secret: str
    active: bool


def retry_delay(attempt: int, settings: Settings, retry_after: float | None = None) -> float:
    """Seconds before the next try after `attempt` failed tries: the schedule, jittered, at least Retry-After."""
    base = settings.delays[min(attempt, len(settings.delays)) - 1]
    jittered = base * random.uniform(1 - settings.jitter, 1 + settings.jitter)
    return max(1.0, jittered, retry_after or 0.0)


def deliver_due(session: Session, now: datetime | None = None) -> int:
    """Attempt every delivery due at `now` (default: the clock) once; return the number of attempts made."""
    settings, started = Settings.current(), now or utcnow()
    attempts = 0
    while _anything_due(session, started):
        claim = _claim(session, started, now or utcnow(), settings)
        if claim is None:
            break
        attempts += _attempt(session, claim, now, settings)
    return attempts


def _anything_due(session: Session, started: datetime) -> bool:
    # A plain read first, so an idle worker never takes SQLite's write lock.
    found = session.scalar(
        select(WebhookDelivery.id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= started)
        .limit(1)
    )
    session.commit()
    return found is not None


def _claim(session: Session, started: datetime, at: datetime, settings: Settings) -> Claim | None:
    begin_write(session)
    row = session.execute(
        select(
            WebhookDelivery.id,
            WebhookDelivery.attempts,
            WebhookDelivery.message_id,
            WebhookDelivery.payload,
            Webhook.id.label("webhook_id"),
            Webhook.url,
            Webhook.secret,
            Webhook.active,
        )
        # Only the project's own webhook: a delivery is never sent to another project's URL.
        .join(Webhook, and_(Webhook.id == WebhookDelivery.webhook_id, Webhook.project_id == WebhookDelivery.project_id))
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= started)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(1)
        .with_for_update(of=WebhookDelivery.__table__, skip_locked=True)
    ).first()
    if row is None:
        session.commit()
        return None
    lease = at + timedelta(seconds=settings.timeout + LEASE_MARGIN_SECONDS)
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == row.id)
        .values(attempts=row.attempts + 1, next_attempt_at=lease)
    )
    session.commit()
    return Claim(row.id, row.attempts + 1, row.message_id, row.payload, row.webhook_id, row.url, row.secret, row.active)


def _attempt(session: Session, claim: Claim, now: datetime | None, settings: Settings) -> int:
    """Send one claimed delivery and record the outcome; a disabled webhook's delivery fails unsent."""
    if not claim.active:
        _finish(session, claim, status="failed", last_error="The webhook is disabled.", attempts=claim.attempt - 1)
        return 0
    body = orjson.dumps(claim.payload)
    headers = webhook_signing.headers(claim.secret, claim.message_id, now or utcnow(), body)
    outcome = webhook_http.post(claim.url, body, headers, settings.timeout)
    at = now or utcnow()
    code = outcome.status_code
    if code is not None and 200 <= code < 300:
        _finish(session, claim, status="delivered", delivered_at=at, last_status_code=code, last_error=None)
    elif code == 410:  # Gone: the receiver asks us to stop (Standard Webhooks).
        _finish(
            session,
            claim,
            disable=True,
            status="failed",
            last_status_code=code,
            last_error="410 Gone: the webhook was disabled.",
        )
    elif claim.attempt >= settings.max_attempts:
        _finish(session, claim, status="failed", last_status_code=code, last_error=outcome.error)
    else:
        later = at + timedelta(seconds=retry_delay(claim.attempt, settings, outcome.retry_after))
        _finish(
            session, claim, status="pending", next_attempt_at=later, last_status_code=code, last_error=outcome.error
        )
    log.info(
        "webhook %s delivery %s attempt %s: %s",
        claim.webhook_id,
        claim.id,
        claim.attempt,
        code if code is not None else outcome.error,
    )
    return 1


def _finish(session: Session, claim: Claim, disable: bool = False, **values) -> None:
    begin_write(session)
    if disable:
        session.execute(update(Webhook).where(Webhook.id == claim.webhook_id).values(active=False))
    # Only if no other worker took the row over after this claim's lease ran out.
    session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == claim.id,
            WebhookDelivery.attempts == claim.attempt,
            WebhookDelivery.status == "pending",
        )
        .values(**values)
    )
    session.commit()


def run(app: Flask, once: bool = False, stop: threading.Event | None = None) -> int:
    """Deliver what is due, then (unless `once`) keep polling until `stop` is set; return the attempts made.

    With `once`, a database error propagates; the loop logs it and tries again at the next poll.
    """
    stop = stop or threading.Event()
    total = 0
    with app.app_context():
        poll = Settings.current().poll
        while True:
            try:
                made = deliver_due(db.session)
            except Exception:  # the database may be away for a while; keep the worker alive
                if once:
                    raise
                log.exception("webhook delivery pass failed")
                db.session.rollback()
                made = 0
            finally:
                db.session.close()
            total += made
            if once or stop.wait(poll):
                return total


def start_worker(app: Flask, stop: threading.Event | None = None) -> threading.Thread | None:
    """Start the delivery loop in a daemon thread of this process (until `stop` is set), unless
    GAPWISE_WEBHOOK_WORKER=0."""
    if not app.config["WEBHOOK_WORKER"]:
        return None
    thread = threading.Thread(target=run, args=(app, False, stop), name="gapwise-webhooks", daemon=True)
    thread.start()
    return thread
