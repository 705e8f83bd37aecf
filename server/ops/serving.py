"""The worker `gapwise serve` runs under gunicorn: waitress inside each gunicorn worker process.

A sync worker reads a request while holding its only thread, so a handful of connections that send
their bytes slowly (a phone on a bad network, or a slowloris attack) hold every worker and nothing else
is answered. Here each worker process reads every connection without blocking (waitress's event loop),
buffers the whole request (headers and body, to a temporary file past 512 KB) and only then hands it to
one of SERVE_THREADS threads; it buffers the answer the same way, so a client that reads slowly holds no
thread either. A connection that has not sent a whole request within SERVE_REQUEST_SECONDS of its first
byte, or stays silent that long, is closed; each process holds at most SERVE_CONNECTIONS connections.

gunicorn stays the process manager: it binds the socket, forks the workers, runs Gapwise's fork hooks
(wsgi.py), restarts a worker that dies or stops checking in, and stops them gracefully on SIGTERM.
"""

import logging
import os
import time

from gunicorn.workers.base import Worker
from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

# Seconds between the checks of slow and idle connections, and of the event loop's poll.
_SWEEP_SECONDS = 1.0
# Waitress refuses bodies larger than this itself (413), before they reach the app; below it, the app's
# own caps (MAX_BODY_BYTES, ADMIN_MAX_BODY_BYTES) answer in Gapwise's error shape.
_BODY_FACTOR = 4


class _Channel(HTTPChannel):
    """A connection that remembers when its unfinished request began."""

    request_started = 0.0

    def received(self, data):
        unfinished_before = self.request is not None
        accepted = super().received(data)
        if self.request is not None and not unfinished_before:
            self.request_started = time.monotonic()
        return accepted


class _Server(TcpWSGIServer):
    """Waitress's TCP server on a socket gunicorn bound, closing connections too slow to send a request."""

    channel_class = _Channel
    request_seconds = 30.0

    def maintenance(self, now):
        super().maintenance(now)  # closes connections idle for channel_timeout
        started_before = time.monotonic() - self.request_seconds
        for channel in list(self.active_channels.values()):
            if channel.request is not None and not channel.requests and channel.request_started < started_before:
                channel.will_close = True


def adjustments(config, sockets) -> Adjustments:
    """Waitress's settings for Gapwise's Config."""
    largest_body = max(config["MAX_BODY_BYTES"], config["ADMIN_MAX_BODY_BYTES"])
    return Adjustments(
        sockets=sockets,
        threads=config["SERVE_THREADS"],
        connection_limit=config["SERVE_CONNECTIONS"],
        channel_timeout=config["SERVE_REQUEST_SECONDS"],
        cleanup_interval=_SWEEP_SECONDS,
        max_request_header_size=64 * 1024,
        max_request_body_size=largest_body * _BODY_FACTOR,
        asyncore_use_poll=True,  # select() cannot watch more than 1,024 connections
        clear_untrusted_proxy_headers=False,  # TRUSTED_PROXIES (werkzeug's ProxyFix) decides
        expose_tracebacks=False,
        ident="gapwise",
    )


class BufferedWorker(Worker):
    """A gunicorn worker serving with waitress: many slow connections, a few threads for whole requests."""

    def run(self):
        app = self.wsgi
        adj = adjustments(app.config, [listener.sock for listener in self.sockets])
        _raise_open_files_limit(adj.connection_limit + 64)
        # Waitress warns each time a request waits for a thread: under load, one line per request.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        connections: dict = {}
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.set_thread_count(adj.threads)
        servers = []
        for sock in adj.sockets:
            sockinfo = (sock.family, sock.type, sock.proto, sock.getsockname())
            server = _Server(
                app, connections, True, sock, dispatcher=dispatcher, adj=adj, bind_socket=False, sockinfo=sockinfo
            )
            server.request_seconds = float(app.config["SERVE_REQUEST_SECONDS"])
            servers.append(server)
        parent = os.getppid()
        while self.alive and os.getppid() == parent:
            self.notify()
            wasyncore.loop(timeout=_SWEEP_SECONDS, map=connections, use_poll=True, count=1)
        self._finish(servers, connections, dispatcher)

    def _finish(self, servers, connections: dict, dispatcher: ThreadedTaskDispatcher) -> None:
        """Stop accepting, let the requests in hand be answered (up to graceful_timeout), then stop."""
        for server in servers:
            server.accepting = False
        deadline = time.monotonic() + self.cfg.graceful_timeout
        while time.monotonic() < deadline and any(_busy(c) for c in list(connections.values())):
            self.notify()
            wasyncore.loop(timeout=0.2, map=connections, use_poll=True, count=1)
        dispatcher.shutdown(cancel_pending=True, timeout=max(0.0, deadline - time.monotonic()))
        wasyncore.close_all(connections)


def _busy(channel) -> bool:
    return isinstance(channel, HTTPChannel) and bool(channel.requests or channel.total_outbufs_len)


def _raise_open_files_limit(wanted: int) -> None:
    """Each connection is a file descriptor: raise the soft limit toward the hard one if it is lower."""
    try:
        import resource
    except ImportError:  # not on Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
