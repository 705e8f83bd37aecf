"""Fault runs: events sent the way the tracker sends them, while PostgreSQL, the server, a writer or a
JetStream node fails mid-run.

Each run is on a fresh scratch PostgreSQL database (default `gw_faults_bench`; the name must contain
"bench"), against `gapwise serve` (gunicorn, 2 workers) on 127.0.0.1:

  pg-restart   PostgreSQL is stopped once a third of the batches are in, and started again after
               --outage seconds (pg_ctlcluster: the machine's only cluster; always restarted)
  server-kill  the server's process group is killed (SIGKILL) at a third, and started again on the same port
  slow-db      another connection holds an ACCESS EXCLUSIVE lock on the ingest log for --hold seconds,
               with GAPWISE_DB_TIMEOUT_MS set low: the server must answer 503 within about that time, not hang
  writer-kill  the writers run in a `gapwise worker` process, SIGKILLed mid-chunk at a third and started again
  nats-pg-stop the ingest log is a 3-node JetStream cluster; PostgreSQL is stopped for --pg-outage seconds:
               capture must answer 200 throughout, and the writers catch up once it is back
  nats-node-kill  the ingest log is a 3-node JetStream cluster; one node is SIGKILLed at a third

The clients follow sdk_js/src/transport.js: every batch carries messageIds and is kept until the server
takes it; network errors, 429 and 5xx are retried (Retry-After when given, otherwise backoff from
--base-delay doubling, both capped at --max-delay so a run lasts seconds); other 4xx drop the batch.
After the senders finish, the run waits for the writers to empty the log, then prints events sent,
stored, duplicated (stored more than once) and missing.

    .venv/bin/python bench/faults.py                          # every run, 20,000 events each
    .venv/bin/python bench/faults.py --runs writer-kill nats-node-kill --events 5000
"""

import argparse
import contextlib
import http.client
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import orjson
import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # bench.* for nats_cluster
from common import ROOT, drop_database, free_port, percentile, pg_connect, recreate_database

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/gw_faults_bench"
RUNS = ("pg-restart", "server-kill", "slow-db", "writer-kill", "nats-pg-stop", "nats-node-kill")
HEADERS = {"Content-Type": "application/json", "Origin": "https://app.example.com"}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help="scratch database (dropped and recreated)")
    parser.add_argument("--runs", nargs="+", choices=RUNS, default=list(RUNS))
    parser.add_argument("--events", type=int, default=20_000, help="events per run")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--outage", type=float, default=3.0, help="seconds PostgreSQL or the server stays down")
    parser.add_argument("--pg-outage", type=float, default=10.0, help="seconds PostgreSQL stays down in nats-pg-stop")
    parser.add_argument("--hold", type=float, default=5.0, help="seconds the slow-db lock is held")
    parser.add_argument("--db-timeout-ms", type=int, default=500, help="GAPWISE_DB_TIMEOUT_MS of the slow-db run")
    parser.add_argument("--base-delay", type=float, default=0.25)
    parser.add_argument("--max-delay", type=float, default=2.0)
    parser.add_argument("--timeout", type=float, default=600, help="global time limit in seconds")
    return parser.parse_args(argv)


# --- the client -------------------------------------------------------------------------------


class Sender(threading.Thread):
    """One browser tab's transport: posts its batches in order, keeping each until the server takes it."""

    def __init__(self, port: int, bodies: list[bytes], deadline: float, base_delay=0.25, max_delay=2.0):
        super().__init__(daemon=True)
        self.port, self.bodies, self.deadline = port, bodies, deadline
        self.base_delay, self.max_delay = base_delay, max_delay
        self.done = self.accepted = self.duplicates = self.dropped = 0
        self.retries: Counter = Counter()  # cause ("network", "503", ...) -> count
        self.latencies: list[tuple[int | None, float]] = []  # (status or None, seconds)
        self.unsent = 0

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        for index, body in enumerate(self.bodies):
            attempt = 0
            while True:
                if time.monotonic() > self.deadline:
                    self.unsent = len(self.bodies) - index
                    conn.close()
                    return
                status, data, retry_after = self._post(conn, body)
                if status is not None and 200 <= status < 300:
                    answer = _json(data)
                    self.accepted += answer.get("accepted", 0)
                    self.duplicates += answer.get("duplicates", 0)
                    break
                if status is not None and status != 429 and status < 500:
                    self.dropped += 1  # the tracker drops a batch the server will never take
                    break
                self.retries["network" if status is None else str(status)] += 1
                time.sleep(self._delay(attempt, retry_after))
                attempt += 1
            self.done += 1
        conn.close()

    def _post(self, conn, body):
        started = time.perf_counter()
        try:
            conn.request("POST", "/v1/batch", body, HEADERS)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            self.latencies.append((None, time.perf_counter() - started))
            return None, b"", None
        self.latencies.append((response.status, time.perf_counter() - started))
        return response.status, data, response.getheader("Retry-After")

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        """As sdk_js/src/backoff.js (Retry-After, else doubling with equal jitter), capped at max_delay."""
        if retry_after and retry_after.isdigit():
            return min(float(retry_after), self.max_delay)
        delay = min(self.base_delay * 2**attempt, self.max_delay)
        return delay / 2 + random.random() * delay / 2


def _json(data: bytes) -> dict:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return {}


def run_senders(senders: list[Sender], fault=None, at: float = 1 / 3) -> float:
    """Start the senders, call `fault()` once `at` of all batches are in, wait for them; the wall time."""
    total = sum(len(s.bodies) for s in senders)
    started = time.perf_counter()
    for s in senders:
        s.start()
    while any(s.is_alive() for s in senders):
        if fault is not None and sum(s.done for s in senders) >= at * total:
            fault()
            fault = None
        time.sleep(0.01)
    return time.perf_counter() - started


# --- processes --------------------------------------------------------------------------------


class Server:
    """`gapwise serve` in its own process group, which can be killed outright and started again on its port."""

    def __init__(self, url: str, port: int, workers: int = 2, env: dict | None = None, log=None):
        self.port, self.workers, self.log = port, workers, log or subprocess.DEVNULL
        # `gapwise serve` refuses the development secret key: each run gets its own.
        secret = {"GAPWISE_SECRET_KEY": secrets.token_urlsafe(32)}
        self.env = {**secret, **os.environ, "GAPWISE_DATABASE_URL": url, **(env or {})}
        self.process: subprocess.Popen | None = None

    def start(self, limit: float = 30) -> "Server":
        command = [
            sys.executable,
            "-m",
            "gapwise",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        self.process = subprocess.Popen(
            command, env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._wait_healthy(limit)
        return self

    def kill(self) -> None:
        """SIGKILL the master and its workers at once, as a crash or an OOM kill of the host would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()

    def _wait_healthy(self, limit: float) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with status {self.process.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                healthy = conn.getresponse().status == 200
                conn.close()
                if healthy:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer /healthz within {limit:.0f} s")


def pg_ctl(action: str) -> None:
    cluster = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", action],
        check=True,
        timeout=120,
        capture_output=True,
    )


def wait_postgres(url: str, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while True:
        try:
            with pg_connect(url, "postgres") as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def ensure_postgres(url: str) -> None:
    """Start PostgreSQL if a run left it stopped, and wait until it accepts connections."""
    try:
        wait_postgres(url, limit=1)
    except psycopg.OperationalError:
        pg_ctl("start")
        wait_postgres(url)


@contextmanager
def table_lock(url: str, tables=("people", "events")):
    """Another connection holding ACCESS EXCLUSIVE locks: every ingest statement waits on them."""
    with pg_connect(url) as conn:
        conn.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            conn.rollback()


# --- one run ----------------------------------------------------------------------------------


def stored_once(url: str, project_id: int, sent_ids: set[str]) -> dict:
    """Sent, stored, duplicated (rows beyond the first per messageId) and missing events of a project."""
    with pg_connect(url) as conn:
        total, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT message_id) FROM events WHERE project_id = %s", (project_id,)
        ).fetchone()
        ids = {r[0] for r in conn.execute("SELECT message_id FROM events WHERE project_id = %s", (project_id,))}
    return {
        "sent": len(sent_ids),
        "stored": total,
        "duplicated": total - distinct,
        "missing": len(sent_ids - ids),
        "unexpected": len(ids - sent_ids),
    }


def fault_run(name: str, args, deadline: float, log) -> dict:
    from ingest import prepare_database, tabs_shape
    from nats_cluster import running_cluster

    url = args.database_url
    recreate_database(url)
    (project_id, write_key), *_ = prepare_database(url)
    counts = [args.events // args.clients + (c < args.events % args.clients) for c in range(args.clients)]
    built = [[body for body, _ in tabs_shape(write_key, c, n, args.batch_size, 3)] for c, n in enumerate(counts)]
    sent_ids = {m["messageId"] for bodies in built for body in bodies for m in orjson.loads(body)["batch"]}
    with contextlib.ExitStack() as stack:
        env: dict = {}
        if name == "slow-db":
            env["GAPWISE_DB_TIMEOUT_MS"] = str(args.db_timeout_ms)
        if name.startswith("nats"):
            cluster = stack.enter_context(running_cluster(Path(stack.enter_context(tempfile.TemporaryDirectory()))))
            env.update(GAPWISE_INGEST_LOG=cluster.url, GAPWISE_INGEST_NATS_STREAM=f"FAULTS_{secrets.token_hex(4)}")
        writer = None
        if name == "writer-kill":
            env["GAPWISE_INGEST_WRITER"] = "false"
            writer = Writer(url, env, log).start()
            stack.callback(writer.stop)
        server = Server(url, free_port(), args.workers, env, log).start()
        stack.callback(server.stop)
        senders = [Sender(server.port, bodies, deadline, args.base_delay, args.max_delay) for bodies in built]
        outage: dict = {}

        def fault():
            started = time.perf_counter()
            outage["from"] = latency_counts(senders)
            if name in ("pg-restart", "nats-pg-stop"):
                try:
                    pg_ctl("stop")
                    time.sleep(args.pg_outage if name == "nats-pg-stop" else args.outage)
                finally:
                    outage["to"] = latency_counts(senders)
                    pg_ctl("start")
                    wait_postgres(url)
            elif name == "server-kill":
                server.kill()
                time.sleep(args.outage)
                server.start()
            elif name == "writer-kill":
                writer.kill()  # whatever chunk it held is rolled back (sql) or not acknowledged (nats)
                time.sleep(args.outage)
                writer.start()
            elif name == "nats-node-kill":
                cluster.kill(cluster.nodes[0].name)
                time.sleep(args.outage)
            else:
                with table_lock(url, ("ingest_log",)):
                    outage["from"] = latency_counts(senders)
                    time.sleep(args.hold)
                    outage["to"] = latency_counts(senders)
            outage["seconds"] = time.perf_counter() - started

        elapsed = run_senders(senders, fault)
        caught_up = wait_for_writers(server.port, deadline)
        result = {
            "run": name,
            "elapsed_s": elapsed,
            "down_s": outage.get("seconds", 0.0),
            "catch_up_s": caught_up,
            **stored_once(url, project_id, sent_ids),
            "dropped": sum(s.dropped for s in senders),
            "unsent": sum(s.unsent for s in senders),
            "retries": sum((s.retries for s in senders), Counter()),
        }
    during = [lat for s in senders for lat in s.latencies[outage["from"][s] : outage.get("to", {}).get(s)]]
    if name == "slow-db":
        # Responses to requests made while the lock was held (per sender, by index into its latencies).
        slow = [seconds for status, seconds in during if status == 503]
        result.update(
            timeout_ms=args.db_timeout_ms,
            answered_503=len(slow),
            other_during=len(during) - len(slow),
            max_503_s=max(slow, default=float("nan")),
            p50_503_s=percentile(slow, 0.5),
        )
    if name == "nats-pg-stop":
        result.update(answered_during=len(during), not_200_during=sum(status != 200 for status, _ in during))
    return result


def wait_for_writers(port: int, deadline: float) -> float:
    """Seconds until the server says the ingest log is empty."""
    started = time.perf_counter()
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            body = response.read()
            conn.close()
            if response.status == 200 and orjson.loads(body)["ingest"]["pending"] == 0:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError("the writers did not empty the ingest log in time")


class Writer:
    """`gapwise worker` in its own process group, which can be killed outright and started again."""

    def __init__(self, url: str, env: dict, log):
        self.env = {**os.environ, "GAPWISE_DATABASE_URL": url, **env}
        self.log, self.process = log, None

    def start(self) -> "Writer":
        command = [sys.executable, "-m", "gapwise", "worker", "--threads", "2"]
        self.process = subprocess.Popen(
            command, env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def latency_counts(senders: list[Sender]) -> dict:
    """How many answers each sender has had so far."""
    return {s: len(s.latencies) for s in senders}


def report(r: dict) -> None:
    retries = ", ".join(f"{n} after {cause}" for cause, n in sorted(r["retries"].items())) or "none"
    print(
        f"{r['run']:14s} sent {r['sent']}, stored {r['stored']}, duplicated {r['duplicated']}, "
        f"missing {r['missing']}; {r['elapsed_s']:.1f} s, fault {r['down_s']:.1f} s, writers caught up "
        f"{r['catch_up_s']:.1f} s later; retries: {retries}; dropped {r['dropped']}, unsent {r['unsent']}"
    )
    if r["run"] == "slow-db":
        print(
            f"{'':14s} while locked: {r['answered_503']} answers 503, max {r['max_503_s'] * 1000:.0f} ms, "
            f"p50 {r['p50_503_s'] * 1000:.0f} ms (DB timeout {r['timeout_ms']} ms); "
            f"{r['other_during']} other answers"
        )
    if r["run"] == "nats-pg-stop":
        print(f"{'':14s} while PostgreSQL was down: {r['answered_during']} answers, {r['not_200_during']} not 200")


def ok(r: dict) -> bool:
    good = r["stored"] == r["sent"] and not (r["duplicated"] or r["missing"] or r["unexpected"] or r["unsent"])
    if r["run"] == "slow-db":
        good = good and r["answered_503"] > 0 and r["max_503_s"] * 1000 < 4 * r["timeout_ms"] + 1000
    if r["run"] == "nats-pg-stop":
        good = good and r["answered_during"] > 0 and r["not_200_during"] == 0
    return good


def main(argv=None) -> int:
    args = parse_args(argv)
    if "bench" not in (make_url(args.database_url).database or ""):
        sys.exit("refusing: the scratch database is dropped, so its name must contain 'bench'")

    def on_alarm(_signum, _frame):
        raise TimeoutError(f"the fault runs took more than {args.timeout:.0f} s")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(args.timeout))
    deadline = time.monotonic() + args.timeout - 30
    print(
        f"settings: {args.events} events per run, {args.clients} clients, batches of {args.batch_size}, "
        f"{args.workers} gunicorn workers, outage {args.outage:.0f} s, "
        f"database {make_url(args.database_url).database}"
    )
    results, log = [], tempfile.TemporaryFile(mode="w+")  # noqa: SIM115  (closed in the finally below)
    try:
        for name in args.runs:
            results.append(fault_run(name, args, deadline, log))
            report(results[-1])
    finally:
        signal.alarm(0)
        ensure_postgres(args.database_url)
        try:
            drop_database(args.database_url)
        except psycopg.Error as error:
            print(f"could not drop the scratch database: {error}", file=sys.stderr)
    return 0 if all(ok(r) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
