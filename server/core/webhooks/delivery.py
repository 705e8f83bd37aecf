"""Sending queued webhook deliveries: claimed round-robin across projects, sent concurrently, then marked
delivered or retried later.

A claim is a short transaction (FOR UPDATE SKIP LOCKED on PostgreSQL, the write lock on SQLite) that
counts the attempt and leases the row for the request's deadline plus a margin; the POST happens outside
any transaction, on a small pool of threads. A project has at most PER_PROJECT deliveries in flight in a
process, so one whose receivers hang for the whole deadline holds its own share of the pool and no more:
the other projects' events keep going out. A worker that dies mid-send leaves the row due again when its
lease runs out, so every event is delivered at least once; receivers deduplicate by `webhook-id`.
"""

import logging
import random
import threading
from collections import Counter
from concurrent import futures
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
from . import targets
from . import transport as webhook_http

log = logging.getLogger("gapwise.webhooks")

LEASE_MARGIN_SECONDS = 60
# Requests in flight in one process, and for one project among them.
POOL_SIZE = 8
PER_PROJECT = 2


@dataclass(frozen=True)
class Settings:
    """The GAPWISE_WEBHOOK_* settings (their defaults are in Config)."""

    delays: tuple[float, ...]
    max_attempts: int
    jitter: float
    timeout: float
    poll: float
    allowed: tuple[targets.Network, ...]

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
            allowed=targets.allowed_networks(config["WEBHOOK_ALLOWED_PRIVATE_NETWORKS"]),
        )


@dataclass(frozen=True)
class Claim:
    """A delivery leased for one attempt, with what sending it needs."""

    id: int
    project_id: int
    attempt: int
    message_id: str
    payload: dict
    webhook_id: int
    url: str
    secret: str
    active: bool
    kind: str = "webhook"


def retry_delay(attempt: int, settings: Settings, retry_after: float | None = None) -> float:
    """Seconds before the next try after `attempt` failed tries: the schedule, jittered, at least Retry-After."""
    base = settings.delays[min(attempt, len(settings.delays)) - 1]
    jittered = base * random.uniform(1 - settings.jitter, 1 + settings.jitter)
    return max(1.0, jittered, retry_after or 0.0)


class Dispatcher:
    """Claims due deliveries round-robin across projects and sends them on a bounded pool of threads."""

    def __init__(self, app: Flask, settings: Settings, size: int = POOL_SIZE, per_project: int = PER_PROJECT):
        self.app, self.settings, self.size, self.per_project = app, settings, size, per_project
        self.pool = futures.ThreadPoolExecutor(size, thread_name_prefix="gapwise-webhook-send")
        self.in_flight: dict[futures.Future, int] = {}  # each request's project
        self.attempts = 0
        self.last_project = 0

    @property
    def busy(self) -> bool:
        return bool(self.in_flight)

    def fill(self, session: Session, started: datetime, now: datetime | None = None) -> int:
        """Start deliveries due at `started`, one per project in turn, while the pool and each project's share
        allow; return how many were started."""
        started_here = 0
        while len(self.in_flight) < self.size:
            load = Counter(self.in_flight.values())
            due = [p for p in _due_projects(session, started) if load[p] < self.per_project]
            # Round-robin: the projects after the last one served first, then the others.
            due.sort(key=lambda p: (p <= self.last_project, p))
            progressed = False
            for project_id in due[: self.size - len(self.in_flight)]:
                claim = _claim(session, project_id, started, now or utcnow(), self.settings)
                if claim is None:
                    continue
                self.in_flight[self.pool.submit(self._send, claim, now)] = project_id
                self.last_project, progressed = project_id, True
                started_here += 1
            if not progressed:
                break
        return started_here

    def wait(self, timeout: float | None) -> list[Exception]:
        """Until a delivery in flight is done (or `timeout` seconds pass); count what was done and return the
        errors of those that could not record their outcome (each is logged)."""
        done, _ = futures.wait(self.in_flight, timeout=timeout, return_when=futures.FIRST_COMPLETED)
        errors = []
        for future in done:
            del self.in_flight[future]
            try:
                self.attempts += future.result()
            except Exception as error:  # the database may be away; the lease makes the row due again
                log.error("webhook delivery failed to record its outcome", exc_info=error)
                errors.append(error)
        return errors

    def close(self) -> list[Exception]:
        """Wait for the deliveries in flight (each ends by its deadline), stop the threads, return their errors."""
        errors = []
        while self.busy:
            errors += self.wait(None)
        self.pool.shutdown()
        return errors

    def _send(self, claim: "Claim", now: datetime | None) -> int:
        with self.app.app_context():
            return _attempt(db.session, claim, now, self.settings)


def deliver_due(session: Session, now: datetime | None = None) -> int:
    """Attempt every delivery due at `now` (default: the clock) once; return the number of attempts made.

    A database error while recording an outcome is raised once every delivery in flight is done."""
    settings, started = Settings.current(), now or utcnow()
    dispatcher = Dispatcher(current_app._get_current_object(), settings)  # type: ignore[attr-defined]
    errors: list[Exception] = []
    try:
        dispatcher.fill(session, started, now)
        while dispatcher.busy:
            errors += dispatcher.wait(None)
            dispatcher.fill(session, started, now)
    finally:
        errors += dispatcher.close()
    if errors:
        raise errors[0]
    return dispatcher.attempts


def _due_projects(session: Session, started: datetime) -> list[int]:
    # A plain read first, so an idle worker never takes SQLite's write lock.
    found = list(
        session.scalars(
            select(WebhookDelivery.project_id)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= started)
            .group_by(WebhookDelivery.project_id)
        )
    )
    session.commit()
    return found


def _claim(session: Session, project_id: int, started: datetime, at: datetime, settings: Settings) -> Claim | None:
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
            Webhook.kind,
        )
        # Only the project's own webhook: a delivery is never sent to another project's URL.
        .join(Webhook, and_(Webhook.id == WebhookDelivery.webhook_id, Webhook.project_id == WebhookDelivery.project_id))
        .where(
            WebhookDelivery.project_id == project_id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= started,
        )
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
    return Claim(
        row.id,
        project_id,
        row.attempts + 1,
        row.message_id,
        row.payload,
        row.webhook_id,
        row.url,
        row.secret,
        row.active,
        row.kind,
    )


def _attempt(session: Session, claim: Claim, now: datetime | None, settings: Settings) -> int:
    """Send one claimed delivery and record the outcome; a disabled webhook's delivery fails unsent."""
    if not claim.active:
        _finish(session, claim, status="failed", last_error="The webhook is disabled.", attempts=claim.attempt - 1)
        return 0
    body = orjson.dumps(claim.payload)
    # Slack and Teams read the message alone; only a webhook's receiver checks a signature.
    signed = claim.kind == "webhook"
    headers = webhook_signing.headers(claim.secret, claim.message_id, now or utcnow(), body) if signed else {}
    outcome = webhook_http.post(claim.url, body, headers, settings.timeout, settings.allowed)
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
        code if code is not None else outcome.detail,
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
    """Deliver what is due, then (unless `once`) keep looking every poll until `stop` is set; return the
    attempts made. With `once`, a database error propagates; the loop logs it and tries again at the next poll.
    """
    stop = stop or threading.Event()
    with app.app_context():
        if once:
            try:
                return deliver_due(db.session)
            finally:
                db.session.close()
        settings = Settings.current()
        dispatcher = Dispatcher(app, settings)
        try:
            while not stop.is_set():
                try:
                    dispatcher.fill(db.session, utcnow())
                except Exception:  # the database may be away for a while; keep the worker alive
                    log.exception("webhook delivery pass failed")
                    db.session.rollback()
                finally:
                    db.session.close()
                if dispatcher.busy:
                    dispatcher.wait(settings.poll)  # a delivery done frees its project's share at once
                else:
                    stop.wait(settings.poll)
        finally:
            dispatcher.close()
        return dispatcher.attempts


def start_worker(app: Flask, stop: threading.Event | None = None) -> threading.Thread | None:
    """Start the delivery loop in a daemon thread of this process (until `stop` is set), unless
    GAPWISE_WEBHOOK_WORKER=0. A malformed allow-list of networks stops the start (SettingsError)."""
    if not app.config["WEBHOOK_WORKER"]:
        return None
    targets.allowed_networks(app.config["WEBHOOK_ALLOWED_PRIVATE_NETWORKS"])
    thread = threading.Thread(target=run, args=(app, False, stop), name="gapwise-webhooks", daemon=True)
    thread.start()
    return thread
