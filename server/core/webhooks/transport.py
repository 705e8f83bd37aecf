"""One webhook POST with the standard library: a short timeout, no redirects followed, the outcome as data."""

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

USER_AGENT = "Gapwise-Webhooks/1"
MAX_RETRY_AFTER = 24 * 3600
MAX_ERROR = 500


@dataclass(frozen=True)
class Outcome:
    """What one POST came to: the status code (None if no response) and, unless 2xx, why it failed."""

    status_code: int | None
    error: str | None = None
    retry_after: float | None = None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A 3xx counts as a failure (Standard Webhooks): the owner should update the URL instead.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST `body` as JSON to `url` with `headers`; never raises for network or HTTP failures."""
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers}
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(1024)
            return Outcome(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        return Outcome(
            error.code,
            f"HTTP {error.code} {error.reason}"[:MAX_ERROR],
            _retry_after(error.headers.get("Retry-After") if error.headers else None),
        )
    except urllib.error.URLError as error:
        return Outcome(None, f"connection failed: {error.reason}"[:MAX_ERROR])
    except (OSError, http.client.HTTPException, ValueError) as error:
        # Timeouts, resets mid-response, malformed responses.
        return Outcome(None, f"{type(error).__name__}: {error}"[:MAX_ERROR])


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (delta-seconds or an HTTP date), capped at a day; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - datetime.now(UTC)).total_seconds(), 0.0), MAX_RETRY_AFTER)
