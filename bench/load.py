"""Mixed load: ingest (POST /v1/batch) and config (GET /v1/config with ETag) together, on 1 and 2 app processes.

For each process count, a fresh scratch PostgreSQL database (default `gw_load_bench`; the name must contain
"bench") gets a project with tagged features, then that many `gapwise serve` processes (gunicorn, --workers
each) are started on 127.0.0.1, all with GAPWISE_REDIS_URL so that rate limits are shared between them.
Ingest clients post batches of fresh events and config clients poll /v1/config sending the last ETag back
(If-None-Match), each client on one process in turn, for a fixed time. It prints requests/s, events/s,
p50/p99 latency per endpoint, answers by status, whether any were 429, and checks the events stored.

    .venv/bin/python bench/load.py                     # 30 s each with 1 and 2 processes
    .venv/bin/python bench/load.py --processes 2 --seconds 10
    .venv/bin/python bench/load.py --limit-per-second 40 --seconds 10   # the shared limit at work
    .venv/bin/python bench/load.py --processes 1 --slow-clients 256 --seconds 20   # slow clients held open

With --slow-clients N, N more connections are opened first and held for the whole run, each sending its
request one byte at a time (every --slow-interval seconds, as a slow phone or a slowloris attack does);
the run prints how many stayed connected and how many were cut by the server, next to the real clients'
figures, so the p99 of real batches reads against the slow connections held.

With --limit-per-second N, each write key may make N requests a second to each endpoint, counted in
Redis by every process together; the run then also prints how many requests each endpoint was
allowed against the most the shared limit permits (N × the one-second windows the run touched).
"""

import argparse
import http.client
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import orjson
import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import drop_database, free_port, percentile, pg_connect, recreate_database
from faults import HEADERS, Server

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/gw_load_bench"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help="scratch database (dropped and recreated)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="app process counts to run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app process")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--ingest-clients", type=int, default=4)
    parser.add_argument("--config-clients", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument(
        "--limit-per-second",
        type=int,
        default=0,
        help="GAPWISE_RATE_LIMIT_INGEST as N/second (default: the server's own limit)",
    )
    parser.add_argument("--slow-clients", type=int, default=0, help="connections sending their request slowly")
    parser.add_argument("--slow-interval", type=float, default=1.0, help="seconds between a slow client's bytes")
    return parser.parse_args(argv)


class SlowClients(threading.Thread):
    """Holds `count` connections open, each sending a batch request one byte every `interval` seconds,
    reopening none: a connection the server closes counts as cut."""

    def __init__(self, port: int, count: int, interval: float, write_key: str):
        super().__init__(daemon=True)
        self.port, self.count, self.interval = port, count, interval
        body = orjson.dumps({"writeKey": write_key, "batch": []})
        self.request = (
            f"POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        self.sockets: list[socket.socket] = []
        self.sent = [0] * count
        self.cut = 0
        self.stopping = threading.Event()

    def open(self) -> None:
        for _ in range(self.count):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            sock.setblocking(False)
            self.sockets.append(sock)

    def run(self) -> None:
        alive = set(range(len(self.sockets)))
        while alive and not self.stopping.wait(self.interval):
            for n in list(alive):
                if self.sent[n] >= len(self.request) - 1:  # never the last byte: the request stays unfinished
                    continue
                try:
                    self.sockets[n].send(self.request[self.sent[n] : self.sent[n] + 1])
                    self.sent[n] += 1
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    alive.discard(n)
                    self.cut += 1

    def stop(self) -> int:
        """Stop sending; return how many connections the server still holds open."""
        self.stopping.set()
        self.join(10)
        held = 0
        for sock in self.sockets:
            try:
                held += sock.recv(1) != b""  # b"": closed by the server
            except BlockingIOError:
                held += 1
            except OSError:
                pass
            sock.close()
        return held


class Client(threading.Thread):
    """Sends one kind of request in a loop until the deadline; latency and status of each."""

    def __init__(self, kind: str, port: int, write_key: str, number: int, deadline: float, batch_size: int):
        super().__init__(daemon=True)
        self.kind, self.port, self.write_key, self.deadline = kind, port, write_key, deadline
        self.anon, self.batch_size = f"anon-load-{number}", batch_size
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.events = 0

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        etag = None
        while time.monotonic() < self.deadline:
            if self.kind == "ingest":
                method, path, body, headers = "POST", "/v1/batch", self._batch(), HEADERS
            else:
                method, path, body = "GET", f"/v1/config?writeKey={self.write_key}&anonymousId={self.anon}", None
                headers = {"If-None-Match": etag} if etag else {}
            started = time.perf_counter()
            try:
                conn.request(method, path, body, headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                self.statuses[type(error).__name__] += 1
                continue
            self.latencies.append(time.perf_counter() - started)
            self.statuses[response.status] += 1
            if self.kind == "ingest" and response.status == 200:
                self.events += self.batch_size
            etag = response.getheader("ETag") or etag
        conn.close()

    def _batch(self) -> bytes:
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        batch = [
            {
                "type": "track",
                "messageId": str(uuid.uuid4()),
                "anonymousId": self.anon,
                "timestamp": now,
                "event": "Report Exported",
                "properties": {"format": "pdf", "n": i},
            }
            for i in range(self.batch_size)
        ]
        return orjson.dumps({"writeKey": self.write_key, "sentAt": now, "batch": batch})


def one_run(args, processes: int, log) -> dict:
    from ingest import prepare_database, wait_stored

    url = args.database_url
    recreate_database(url)
    (project_id, write_key), *_ = prepare_database(url)
    env = {"GAPWISE_REDIS_URL": args.redis_url, "GAPWISE_RATE_LIMIT_PREFIX": f"gw-load-{uuid.uuid4().hex[:8]}"}
    if args.limit_per_second:
        env["GAPWISE_RATE_LIMIT_INGEST"] = f"{args.limit_per_second}/second"
    servers = [Server(url, free_port(), args.workers, env, log) for _ in range(processes)]
    try:
        for server in servers:
            server.start()
        slow = None
        if args.slow_clients:
            slow = SlowClients(servers[0].port, args.slow_clients, args.slow_interval, write_key)
            slow.open()
            slow.start()
            time.sleep(min(2.0, args.slow_interval * 2))  # every slow connection has begun its request
        deadline = time.monotonic() + args.seconds
        first_window = int(time.time())
        kinds = ["ingest"] * args.ingest_clients + ["config"] * args.config_clients
        clients = [
            Client(kind, servers[n % processes].port, write_key, n, deadline, args.batch_size)
            for n, kind in enumerate(kinds)
        ]
        started = time.perf_counter()
        for c in clients:
            c.start()
        for c in clients:
            c.join(args.seconds + 60)
        elapsed = time.perf_counter() - started
        windows = int(time.time()) - first_window + 1
        slow_held = slow.stop() if slow else 0
        wait_stored(servers[0].port, time.monotonic() + 120)  # the log is shared: one server's view will do
    finally:
        for server in servers:
            server.stop()
    with pg_connect(url) as conn:
        stored = conn.execute("SELECT count(*) FROM events WHERE project_id = %s", (project_id,)).fetchone()[0]
    result = {"processes": processes, "elapsed_s": elapsed, "stored": stored, "windows": windows}
    result["slow"] = {"opened": args.slow_clients, "held": slow_held, "bytes": sum(slow.sent) if slow else 0}
    for kind in ("ingest", "config"):
        mine = [c for c in clients if c.kind == kind]
        latencies = [lat for c in mine for lat in c.latencies]
        result[kind] = {
            "requests": len(latencies),
            "per_s": len(latencies) / elapsed,
            "events": sum(c.events for c in mine),
            "p50_ms": percentile(latencies, 0.5) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000,
            "statuses": sum((c.statuses for c in mine), Counter()),
        }
    return result


def report(args, r: dict) -> None:
    print(
        f"processes {r['processes']} ({args.workers} gunicorn workers each, rate limits in {args.redis_url}), "
        f"{r['elapsed_s']:.1f} s, {args.ingest_clients} ingest + {args.config_clients} config clients"
    )
    for kind in ("ingest", "config"):
        k = r[kind]
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(k["statuses"].items(), key=str))
        extra = f", {k['events'] / r['elapsed_s']:.0f} events/s" if kind == "ingest" else ""
        print(
            f"  {kind:7s} {k['requests']} requests, {k['per_s']:.0f} req/s{extra}, p50 {k['p50_ms']:.1f} ms, "
            f"p99 {k['p99_ms']:.1f} ms; {statuses}"
        )
    if r["slow"]["opened"]:
        slow = r["slow"]
        print(
            f"  slow    {slow['opened']} connections sending 1 byte every {args.slow_interval:g} s "
            f"({slow['bytes']} bytes in all): {slow['held']} still open at the end"
        )
    limited = r["ingest"]["statuses"][429] + r["config"]["statuses"][429]
    print(f"  429s: {limited or 'none'}; events stored {r['stored']} of {r['ingest']['events']} accepted")
    if args.limit_per_second:
        most = args.limit_per_second * r["windows"]
        for kind in ("ingest", "config"):
            allowed = r[kind]["requests"] - r[kind]["statuses"][429]
            print(
                f"  {kind} allowed {allowed} of {r[kind]['requests']}: the shared limit permits at most {most} "
                f"({args.limit_per_second}/s × {r['windows']} windows), {r['processes']} × that if each process "
                f"counted alone; {'within' if allowed <= most else 'OVER'} the shared limit"
            )


def main(argv=None) -> int:
    args = parse_args(argv)
    if "bench" not in (make_url(args.database_url).database or ""):
        sys.exit("refusing: the scratch database is dropped, so its name must contain 'bench'")
    failed = False
    with tempfile.TemporaryFile(mode="w+") as log:
        try:
            for processes in args.processes:
                r = one_run(args, processes, log)
                report(args, r)
                errors = sum(
                    n for k in ("ingest", "config") for s, n in r[k]["statuses"].items() if s not in (200, 304, 429)
                )
                failed |= bool(errors) or r["stored"] != r["ingest"]["events"]
        finally:
            try:
                drop_database(args.database_url)
            except psycopg.Error as error:
                print(f"could not drop the scratch database: {error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
