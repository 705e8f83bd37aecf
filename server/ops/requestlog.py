"""One JSON line per request that fails, so operators can grep and ship them."""

import logging
import sys
import time

from flask import Flask, g, request

from .logs import JsonFormatter

log = logging.getLogger("gapwise.requests")


def init_request_log(app: Flask) -> None:
    """Log failed requests (status ≥ 400) as JSON on stderr; never bodies, keys or query strings."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False

    @app.before_request
    def start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def log_failure(response):
        if response.status_code >= 400:
            started = g.get("request_started", time.perf_counter())
            fields = {
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "project_id": g.get("project_id"),
                "remote_addr": request.remote_addr,
            }
            log.log(
                logging.ERROR if response.status_code >= 500 else logging.WARNING,
                "request failed",
                extra={"fields": fields},
            )
        return response
