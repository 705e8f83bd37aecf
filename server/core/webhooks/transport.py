"""One webhook POST: to a checked address, within one deadline, no redirects followed, the outcome as data.

The host is resolved once and every address checked (targets); the connection goes to a checked address
while the Host header, TLS SNI and certificate check use the URL's name, so the name cannot answer
differently between the check and the connection. The deadline covers the whole request (resolving,
connecting, TLS, sending, every read): a receiver that trickles its answer is cut off when it passes.
"""

import contextlib
import functools
import http.client
import socket
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import cast
from urllib.parse import urlsplit

from . import targets

USER_AGENT = "Gapwise-Webhooks/1"
MAX_RETRY_AFTER = 24 * 3600
MAX_RESPONSE_BYTES = 4096
# The same words for every failure to get an HTTP answer (refused, timed out, unresolved, blocked, TLS):
# the delivery log must not tell an open port from a closed one.
UNREACHABLE = "delivery failed: could not reach the receiver"


@dataclass(frozen=True)
class Outcome:
    """What one POST came to: the status code (None if no response) and, unless 2xx, why it failed.

    `detail` says more about a failure for the server's own log; it is never stored in the delivery log.
    """

    status_code: int | None
    error: str | None = None
    retry_after: float | None = None
    detail: str | None = None


class _Deadline:
    """Seconds left until a fixed moment; TimeoutError once it has passed."""

    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError("the webhook deadline passed")
        return left


class _DeadlineSocket(socket.socket):
    """A TCP socket whose every read waits only until the request's deadline."""

    deadline: _Deadline

    def recv_into(self, buffer, nbytes=0, flags=0):
        self.settimeout(self.deadline.left())
        return super().recv_into(buffer, nbytes, flags)


class _DeadlineSSLSocket(ssl.SSLSocket):
    """The same over TLS."""

    deadline: _Deadline

    def recv_into(self, buffer, nbytes=None, flags=0):
        self.settimeout(self.deadline.left())
        return super().recv_into(buffer, nbytes, flags)


@functools.cache
def tls_context(cafile: str | None = None) -> ssl.SSLContext:
    """The system's trusted certificates (or `cafile`'s); a receiver's is checked against the URL's host name,
    never the address connected to."""
    context = ssl.create_default_context(cafile=cafile)
    context.sslsocket_class = _DeadlineSSLSocket
    return context


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP(S) to `address`, speaking to `host`: the Host header, SNI and certificate name are the URL's."""

    def __init__(self, host: str, port: int, address: targets.IPAddress, tls: bool, deadline: _Deadline):
        super().__init__(host, port, timeout=deadline.left())
        self.default_port = 443 if tls else 80  # the Host header names the port only when it is not the default
        self.address, self.tls, self.deadline = address, tls, deadline

    def opened(self) -> "_PinnedConnection":
        self.connect()
        return self

    def connect(self) -> None:
        family = socket.AF_INET6 if self.address.version == 6 else socket.AF_INET
        sock = _DeadlineSocket(family, socket.SOCK_STREAM)
        sock.deadline = self.deadline
        try:
            sock.settimeout(self.deadline.left())
            sock.connect((str(self.address), self.port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock = self._wrap(sock) if self.tls else sock
        except BaseException:
            sock.close()
            raise

    def _wrap(self, sock: socket.socket) -> ssl.SSLSocket:
        wrapped = cast(
            _DeadlineSSLSocket,
            tls_context().wrap_socket(sock, server_hostname=self.host, do_handshake_on_connect=False),
        )
        try:
            wrapped.deadline = self.deadline
            wrapped.settimeout(self.deadline.left())  # the handshake as a whole waits at most this long
            wrapped.do_handshake()
        except BaseException:
            wrapped.close()
            raise
        return wrapped

    def send(self, data) -> None:
        self.sock.settimeout(self.deadline.left())  # sendall waits at most this long in all
        super().send(data)


def post(
    url: str, body: bytes, headers: dict[str, str], timeout: float, allowed: Iterable[targets.Network] = ()
) -> Outcome:
    """POST `body` as JSON to `url` with `headers`, all within `timeout` seconds; never raises for network or
    HTTP failures. Only addresses that are public or in `allowed` are connected to."""
    deadline = _Deadline(timeout)
    try:
        parts = urlsplit(url)
        host = targets.parse_host(parts.hostname or "")
        tls = parts.scheme == "https"
        port = parts.port or (443 if tls else 80)
        addresses = targets.checked_addresses(host, port, allowed, deadline.left())
        target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        status, retry_after = _exchange(str(host), port, tls, addresses, target, body, headers, deadline)
    except (OSError, ValueError, http.client.HTTPException, targets.BlockedTarget, targets.Unresolved) as error:
        return Outcome(None, UNREACHABLE, detail=f"{type(error).__name__}: {error}"[:500])
    if 200 <= status < 300:
        return Outcome(status)
    return Outcome(status, _status_text(status), _retry_after(retry_after))


def _exchange(host, port, tls, addresses, target, body, headers, deadline) -> tuple[int, str | None]:
    """Connect to the first checked address that accepts, send, read the status and at most a little body."""
    *others, last = addresses
    for address in others:
        try:
            connection = _PinnedConnection(host, port, address, tls, deadline).opened()
            break
        except OSError:
            continue
    else:
        connection = _PinnedConnection(host, port, last, tls, deadline).opened()
    try:
        sent = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "Connection": "close", **headers}
        connection.request("POST", target, body, sent)
        response = connection.getresponse()
        # The status is what counts: a body cut off by the deadline changes nothing.
        with contextlib.suppress(OSError, http.client.HTTPException):
            response.read(MAX_RESPONSE_BYTES)
        return response.status, response.getheader("Retry-After")
    finally:
        connection.close()


def _status_text(code: int) -> str:
    """The log's words for a status code, from the standard's phrases (never the receiver's own text)."""
    try:
        text = f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        text = f"HTTP {code}"
    return text + (": redirects are not followed" if 300 <= code < 400 else "")


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
