"""GET /metrics for Prometheus: requests, ingest outcomes and backlog, webhook backlog and partition upkeep.

Under `gapwise serve` every gunicorn worker writes its samples to PROMETHEUS_MULTIPROC_DIR (serve makes
one, or wipes the operator's), and a scrape of any worker adds them up. prometheus_client reads that
variable when it is first imported, so this module is imported only once the app is being built.
The endpoint answers only `Authorization: Bearer <GAPWISE_METRICS_TOKEN>`; without a token it is 404.
"""

import hmac
import os
import time

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from ..core.ingest.log import ingest_log
from ..db import db
from ..errors import NotFound, Unauthorized
from ..models import IngestFailure, WebhookDelivery

bp = Blueprint("metrics", __name__)

REQUESTS = Counter("gapwise_http_requests", "HTTP requests answered, by endpoint and status.", ["endpoint", "status"])
LATENCY = Histogram(
    "gapwise_http_request_duration_seconds",
    "Time from a request's start to its answer, by endpoint.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
INGEST = Counter("gapwise_ingest_messages", "Messages posted to /v1/batch, by outcome.", ["outcome"])
PARTITIONS_MADE = Counter("gapwise_partitions_made", "Monthly partitions of events made by the upkeep.")
PARTITION_FAILURES = Counter("gapwise_partition_upkeep_failures", "Partition upkeep passes that failed.")
PARTITION_LAST_SUCCESS = Gauge(
    "gapwise_partition_upkeep_last_success_timestamp_seconds",
    "When a partition upkeep pass last succeeded (Unix time).",
    multiprocess_mode="max",
)


def init_metrics(app: Flask) -> None:
    """Time and count every request, and serve /metrics."""
    app.before_request(_start)
    app.after_request(_record)
    app.register_blueprint(bp)


def count_batch(answer: dict) -> None:
    """Count what a /v1/batch answer says: accepted, duplicates (repeats inside the batch), rejected."""
    INGEST.labels("accepted").inc(answer.get("accepted", 0))
    INGEST.labels("duplicate").inc(answer.get("duplicates", 0))
    INGEST.labels("robot").inc(answer.get("robots", 0))
    INGEST.labels("rejected").inc(len(answer.get("rejected", ())))


def partition_upkeep(made: int | None) -> None:
    """Record one pass of partition upkeep: the partitions it made, or None when it failed."""
    if made is None:
        PARTITION_FAILURES.inc()
        return
    PARTITIONS_MADE.inc(made)
    PARTITION_LAST_SUCCESS.set(time.time())


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _record(response):
    endpoint = request.endpoint or "unmatched"  # 404s of unknown paths share one label
    REQUESTS.labels(endpoint, str(response.status_code)).inc()
    started = g.get("metrics_started")
    if started is not None:
        LATENCY.labels(endpoint).observe(time.perf_counter() - started)
    return response


@bp.get("/metrics")
def metrics():
    token = current_app.config["METRICS_TOKEN"]
    if not token:
        raise NotFound("Metrics are off: set GAPWISE_METRICS_TOKEN.")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), str(token).encode()):
        raise Unauthorized(
            "Metrics need Authorization: Bearer <GAPWISE_METRICS_TOKEN>.",
            headers={"WWW-Authenticate": 'Bearer realm="gapwise-metrics"'},
        )
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    body = generate_latest(registry) + generate_latest(_backlog_registry())
    return Response(body, mimetype=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


class _Backlog:
    """Webhook deliveries still to send and the ingest log's backlog, read at scrape time (small queries)."""

    def collect(self):
        due = db.session.execute(
            select(func.count(), func.min(WebhookDelivery.next_attempt_at)).where(WebhookDelivery.status == "pending")
        ).one()
        pending = GaugeMetricFamily("gapwise_webhook_deliveries_pending", "Webhook deliveries not yet sent.")
        pending.add_metric([], due[0])
        yield pending
        oldest = GaugeMetricFamily(
            "gapwise_webhook_oldest_pending_timestamp_seconds", "When the oldest pending delivery is due (Unix time)."
        )
        oldest.add_metric([], due[1].timestamp() if due[1] else 0)
        yield oldest
        log = GaugeMetricFamily(
            "gapwise_ingest_log_pending", "Ingest log records captured and not yet stored by a writer.", labels=["log"]
        )
        ingest = ingest_log()
        log.add_metric([ingest.name], ingest.pending(db.session))
        yield log
        failed = GaugeMetricFamily(
            "gapwise_ingest_failures", "Ingest log records a writer could not store, kept in ingest_failures."
        )
        failed.add_metric([], db.session.scalar(select(func.count()).select_from(IngestFailure)) or 0)
        yield failed


def _backlog_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Backlog())
    return registry
