"""Ingestion through capture, the ingest log and the writer, against a real server, compared with a raw COPY.

What it measures, for each traffic shape:

- `browser`: many visitors, one person per batch of 5–20 events (page views, feature use, an identify
  for some), as the snippet sends them; `--people` people (5,000).
- `server`: a server-side sender, batches of 50 events for 50 different users out of `--people`
  (track, identify, group).
- `tabs`: a few browser tabs, each sending batches of `--batch-size` about `--tab-people` people.

`gapwise serve` (gunicorn) captures into the ingest log (`--log sql`, or a JetStream URL) and a
separate `gapwise worker` process stores it, so CPU is counted apart: server, writer, PostgreSQL.
For each shape it prints events/s from the first request until everything is stored, capture's own
rate and latency (p50/p99), CPU seconds per 1,000 events, capture-to-visible latency (a probe event
posted every 0.2 s and looked for in the database), and the ratio to a raw `COPY` of the same rows
into a twin of the events table in the same run. It checks that every event sent is stored once.

    .venv/bin/python bench/ingest.py                                  # every shape, sql log
    .venv/bin/python bench/ingest.py --shape server --events 100000
    .venv/bin/python bench/ingest.py --log nats://127.0.0.1:4222 --nats-replicas 1

The scratch database (default `gapwise_bench`; its name must contain "bench") is dropped and
recreated for each shape and dropped at the end unless --keep. Everything stops within --timeout
seconds; all traffic stays on 127.0.0.1.
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
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from common import (  # noqa: E402
    drop_database,
    free_port,
    percentile,
    pg_connect,
    recreate_database,
    start_server,
    stop_server,
    wait_healthy,
)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/gapwise_bench"
COLUMNS = ("project_id", "message_id", "person_id", "type", "name", "properties", "context", "timestamp", "received_at")
PAGES = [("/reports", "Reports"), ("/dashboard", "Dashboard"), ("/settings", "Settings"), ("/billing", "Billing")]
FEATURES = [
    {
        "key": "export",
        "name": "Export",
        "selector": "#export",
        "event": "Report Exported",
        "core": True,
        "aha": True,
        "promised": False,
        "goals": [],
        "effort": 3,
    },
    {
        "key": "filters",
        "name": "Filters",
        "selector": "#filters",
        "event": "Filter Applied",
        "core": True,
        "aha": False,
        "promised": False,
        "goals": [],
        "effort": 3,
    },
]
TRACKS = [
    ("Report Exported", {"format": "pdf"}),
    ("feature_used", {"feature": "export"}),
    ("feature_seen", {"feature": "filters"}),
    ("Filter Applied", {"field": "date", "op": "between"}),
]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("GAPWISE_BENCH_DATABASE_URL", DEFAULT_URL),
        help="scratch PostgreSQL database (dropped and recreated)",
    )
    parser.add_argument("--shape", choices=(*SHAPES, "all"), default="all")
    parser.add_argument(
        "--log",
        default="sql",
        help="the ingest log: sql, nats://host:port[,…], or cluster (3 nats-servers started here)",
    )
    parser.add_argument("--nats-replicas", type=int, default=3, help="JetStream replicas of the nats log")
    parser.add_argument("--events", type=int, default=50_000, help="events per shape")
    parser.add_argument("--people", type=int, default=5_000, help="people of the browser and server shapes")
    parser.add_argument("--batch-size", type=int, default=50, help="batch size of the tabs shape")
    parser.add_argument("--tab-people", type=int, default=3, help="people per client of the tabs shape")
    parser.add_argument("--clients", type=int, default=8, help="concurrent senders")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--writers", type=int, default=2, help="writer threads of the `gapwise worker` process")
    parser.add_argument("--timeout", type=float, default=900, help="global time limit in seconds")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    parser.add_argument("--json", action="store_true", help="print one JSON object per shape instead of text")
    return parser.parse_args(argv)


# --- scratch database -------------------------------------------------------------------------


def prepare_database(url: str, names=("Bench", "Warm-up", "Probe")) -> list[tuple[int, str]]:
    """Migrate the scratch database and create the projects with tagged features (so ingest keeps usage
    rollups and journey stages as it does in production); return their ids and write keys."""
    from gapwise import create_app
    from gapwise.core.features import definitions as features
    from gapwise.core.projects import keys
    from gapwise.core.storage import migrate
    from gapwise.db import db

    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        result = [(p.id, p.write_key) for p, _secret in (keys.create_project(db.session, n) for n in names)]
        for project_id, _ in result:
            for spec in FEATURES:
                features.create_feature(db.session, project_id, dict(spec))
    app.extensions["gapwise.db"].engine.dispose()
    return result


# --- traffic shapes -----------------------------------------------------------------------------

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CONTEXT = {"locale": "en-GB", "library": {"name": "gapwise.js", "version": "0.2.0"}}


def _browser_event(rng: random.Random, anon: str, user: str | None, ts: datetime) -> dict:
    m = {"messageId": str(uuid.uuid4()), "anonymousId": anon, "timestamp": _iso(ts), "context": CONTEXT}
    if user:
        m["userId"] = user
    if rng.random() < 0.45:
        path, title = rng.choice(PAGES)
        m.update(type="page", properties={"url": f"https://app.example.com{path}", "path": path, "title": title})
    else:
        event, properties = rng.choice(TRACKS)
        m.update(type="track", event=event, properties=properties)
    return m


def _body(write_key: str, batch: list[dict], ts: datetime) -> tuple[bytes, int]:
    sent_at = _iso(ts + timedelta(milliseconds=300))
    return orjson.dumps({"writeKey": write_key, "sentAt": sent_at, "batch": batch}), len(batch)


def browser_shape(write_key: str, events: int, people: int, seed: int = 1) -> list[tuple[bytes, int]]:
    """One visitor a batch of 5–20 events; a third of the visitors sign in (identify) in their first batch."""
    rng, bodies, made, person = random.Random(seed), [], 0, 0
    while made < events:
        anon = f"visitor-{person % people}-{seed}"
        user = f"user-{person % people}" if person % 3 == 0 else None
        ts = START + timedelta(seconds=person)
        size = min(rng.randint(5, 20), events - made)
        batch = [_browser_event(rng, anon, None, ts + timedelta(milliseconds=200 * i)) for i in range(size)]
        if user and person < people:
            batch[0] = {
                "type": "identify",
                "messageId": str(uuid.uuid4()),
                "anonymousId": anon,
                "userId": user,
                "traits": {"email": f"{user}@example.com", "plan": rng.choice(("trial", "pro"))},
                "timestamp": _iso(ts),
                "context": CONTEXT,
            }
        bodies.append(_body(write_key, batch, ts + timedelta(milliseconds=200 * size)))
        made += size
        person += 1
    return bodies


def server_shape(write_key: str, events: int, people: int, seed: int = 2) -> list[tuple[bytes, int]]:
    """Batches of 50 events for 50 different users out of `people`: track mostly, some identify and group."""
    rng, bodies, made = random.Random(seed), [], 0
    while made < events:
        size = min(50, events - made)
        ts = START + timedelta(seconds=made // 50)
        batch = []
        for user in rng.sample(range(people), size):
            m = {"messageId": str(uuid.uuid4()), "userId": f"user-{user}", "timestamp": _iso(ts)}
            roll = rng.random()
            if roll < 0.08:
                m.update(type="identify", traits={"plan": rng.choice(("trial", "pro", "team")), "seats": user % 40})
            elif roll < 0.12:
                m.update(type="group", groupId=f"account-{user % 300}", traits={"mrr": 50 * (user % 20)})
            else:
                event, properties = rng.choice(TRACKS)
                m.update(type="track", event=event, properties=properties)
            batch.append(m)
        bodies.append(_body(write_key, batch, ts))
        made += size
    return bodies


def tabs_shape(write_key: str, client: int, events: int, batch_size: int, people: int) -> list[tuple[bytes, int]]:
    """One client's batches about a few people (a browser tab left open), every 20th event an identify."""
    rng = random.Random(client)
    anon_ids = [f"anon-{client}-{p}-{uuid.uuid4().hex[:8]}" for p in range(people)]
    identified: dict[str, str] = {}
    bodies, batch = [], []
    for i in range(events):
        anon = anon_ids[i % people]
        ts = START + timedelta(milliseconds=250 * i)
        if i % 20 == 7 and anon not in identified:
            identified[anon] = f"user-{client}-{len(identified)}"
            m = {"type": "identify", "messageId": str(uuid.uuid4()), "anonymousId": anon, "timestamp": _iso(ts)}
            m.update(userId=identified[anon], traits={"email": f"{identified[anon]}@example.com"})
        else:
            m = _browser_event(rng, anon, identified.get(anon), ts)
        batch.append(m)
        if len(batch) == batch_size or i == events - 1:
            bodies.append(_body(write_key, batch, ts))
            batch = []
    return bodies


def shape_bodies(shape: str, write_key: str, args, clients: int) -> list[list[tuple[bytes, int]]]:
    """Each client's bodies (body, messages) for the shape."""
    if shape == "tabs":
        counts = [args.events // clients + (1 if c < args.events % clients else 0) for c in range(clients)]
        return [tabs_shape(write_key, c, n, args.batch_size, args.tab_people) for c, n in enumerate(counts)]
    made = (browser_shape if shape == "browser" else server_shape)(write_key, args.events, args.people)
    return [made[c::clients] for c in range(clients)]


def ids_of(all_bodies) -> set[str]:
    return {m["messageId"] for bodies in all_bodies for body, _ in bodies for m in orjson.loads(body)["batch"]}


SHAPES = ("browser", "server", "tabs")


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


# --- CPU accounting (Linux /proc) -------------------------------------------------------------


def cpu_snapshot(server_pid: int, writer_pid: int) -> dict[str, float]:
    """CPU seconds so far of: this process (clients), the server (master and workers), the writer process,
    all postgres processes, and the whole machine."""
    tick = os.sysconf("SC_CLK_TCK")
    totals = {"clients": 0.0, "server": 0.0, "writer": 0.0, "postgres": 0.0, "machine_busy": 0.0}
    procs = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm_end = stat.rindex(")")
        comm, rest = stat[stat.index("(") + 1 : comm_end], stat[comm_end + 2 :].split()
        procs[int(entry)] = (comm, int(rest[1]), (int(rest[11]) + int(rest[12])) / tick)  # ppid, utime+stime
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    totals["machine_busy"] = (sum(fields) - fields[3] - fields[4]) / tick  # all but idle and iowait
    for pid, (comm, ppid, seconds) in procs.items():
        if pid == os.getpid():
            totals["clients"] += seconds
        elif pid == server_pid or ppid == server_pid:
            totals["server"] += seconds
        elif pid == writer_pid:
            totals["writer"] += seconds
        elif comm.startswith("postgres"):
            totals["postgres"] += seconds
    return totals


# --- clients ----------------------------------------------------------------------------------


class Client(threading.Thread):
    """One browser-like sender: posts its batches in order over one persistent connection."""

    def __init__(self, port: int, bodies: list[bytes], batch_sizes: list[int], deadline: float):
        super().__init__(daemon=True)
        self.port, self.bodies, self.batch_sizes, self.deadline = port, bodies, batch_sizes, deadline
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.sent = self.accepted = 0

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json", "Origin": "https://app.example.com"}
        for index, (body, size) in enumerate(zip(self.bodies, self.batch_sizes, strict=False)):
            if time.monotonic() > self.deadline:
                self.errors.append(f"batch {index}: not sent, time limit reached")
                continue
            started = time.perf_counter()
            self.sent += size
            try:
                conn.request("POST", "/v1/batch", body, headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as error:
                self.errors.append(f"batch {index}: {type(error).__name__}: {error}")
                conn.close()
                continue
            self.latencies.append(time.perf_counter() - started)
            if response.status != 200:
                self.errors.append(f"batch {index}: HTTP {response.status}: {data[:300]!r}")
                continue
            answer = orjson.loads(data)
            self.accepted += answer["accepted"]
            if answer["accepted"] != size or answer["rejected"]:
                self.errors.append(f"batch {index}: accepted {answer['accepted']} of {size}: {data[:300]!r}")
        conn.close()


def run_clients(port: int, all_bodies: list[list[tuple[bytes, int]]], deadline: float):
    clients = [Client(port, [b for b, _ in bodies], [n for _, n in bodies], deadline) for bodies in all_bodies]
    started = time.perf_counter()
    for c in clients:
        c.start()
    for c in clients:
        while c.is_alive():
            c.join(0.5)
    return clients, time.perf_counter() - started


# --- server, writer, probe --------------------------------------------------------------------------


def start_writer(url: str, env: dict, threads: int, log) -> subprocess.Popen:
    command = [str(ROOT / ".venv" / "bin" / "gapwise"), "worker", "--threads", str(threads)]
    return subprocess.Popen(
        command,
        env={**os.environ, **env, "GAPWISE_DATABASE_URL": url},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        start_new_session=True,
    )


def pending(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/healthz")
        return orjson.loads(conn.getresponse().read())["ingest"]["pending"]
    finally:
        conn.close()


def wait_stored(port: int, deadline: float) -> float:
    """Poll until the log is empty; return when it was."""
    while pending(port):
        if time.monotonic() > deadline:
            raise TimeoutError("the writer did not catch up before the time limit")
        time.sleep(0.02)
    return time.perf_counter()


class Probe(threading.Thread):
    """Every 0.2 s, one event to the probe project; how long from capture's answer until it is stored."""

    def __init__(self, port: int, url: str, write_key: str, project_id: int):
        super().__init__(daemon=True)
        self.port, self.url, self.write_key, self.project_id = port, url, write_key, project_id
        self.stop, self.latencies = threading.Event(), []

    def run(self) -> None:
        with pg_connect(self.url, autocommit=True) as db:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            while not self.stop.wait(0.2):
                message_id = str(uuid.uuid4())
                m = {"type": "track", "event": "probe", "anonymousId": "probe", "messageId": message_id}
                conn.request("POST", "/v1/batch", orjson.dumps({"writeKey": self.write_key, "batch": [m]}))
                conn.getresponse().read()
                answered = time.perf_counter()
                while not db.execute(
                    "SELECT 1 FROM event_ids WHERE project_id = %s AND message_id = %s", (self.project_id, message_id)
                ).fetchone():
                    if time.perf_counter() - answered > 30:
                        break
                    time.sleep(0.005)
                self.latencies.append(time.perf_counter() - answered)
            conn.close()


# --- verification and COPY baseline -----------------------------------------------------------


def stored_message_ids(url: str, project_id: int) -> list[str]:
    with pg_connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT message_id FROM events WHERE project_id = %s", (project_id,))]


def copy_baseline(url: str, project_id: int) -> tuple[int, float]:
    """COPY the stored rows into a twin of the events table (same indexes and foreign keys); rows and seconds."""
    cols = ", ".join(f'"{c}"' for c in COLUMNS)
    with pg_connect(url) as conn:
        rows = conn.execute(
            "SELECT project_id, message_id, person_id, type, name, properties::text, context::text, "
            "timestamp, received_at FROM events WHERE project_id = %s ORDER BY id",
            (project_id,),
        ).fetchall()
        conn.execute("DROP TABLE IF EXISTS bench_copy")
        conn.execute("CREATE TABLE bench_copy (LIKE events INCLUDING ALL)")
        conn.execute(
            "ALTER TABLE bench_copy ADD FOREIGN KEY (person_id) REFERENCES people (id) ON DELETE CASCADE, "
            "ADD FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE"
        )
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY bench_copy ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        elapsed = time.perf_counter() - started
        copied = conn.execute("SELECT count(*) FROM bench_copy").fetchone()[0]
        conn.execute("DROP TABLE bench_copy")
        conn.commit()
    return copied, elapsed


# --- one shape ---------------------------------------------------------------------------------


def run_shape(shape: str, args, deadline: float) -> dict:
    recreate_database(args.database_url)
    (project_id, write_key), (_, warmup_key), (probe_id, probe_key) = prepare_database(args.database_url)
    all_bodies = shape_bodies(shape, write_key, args, args.clients)
    sent_ids = ids_of(all_bodies)
    env = {
        "GAPWISE_SECRET_KEY": secrets.token_urlsafe(32),
        "GAPWISE_INGEST_LOG": args.log,
        "GAPWISE_INGEST_WRITER": "false",
        "GAPWISE_INGEST_NATS_STREAM": f"BENCH_{shape.upper()}_{uuid.uuid4().hex[:8]}",
        "GAPWISE_INGEST_NATS_REPLICAS": str(args.nats_replicas),
        "GAPWISE_RATE_LIMIT_INGEST": "off",
    }
    port, log = free_port(), tempfile.TemporaryFile(mode="w+")  # noqa: SIM115  (closed below)
    server = writer = None
    try:
        server = start_server(args.database_url, port, args.workers, log, env)
        writer = start_writer(args.database_url, env, args.writers, log)
        wait_healthy(server, port)
        warmup = [tabs_shape(warmup_key, c, 100, 50, 3) for c in range(args.clients)]
        warmed, _ = run_clients(port, warmup, deadline)
        if any(c.errors for c in warmed):
            raise RuntimeError(f"warm-up failed: {[c.errors[:3] for c in warmed]}")
        wait_stored(port, deadline)
        probe = Probe(port, args.database_url, probe_key, probe_id)
        cpu_before = cpu_snapshot(server.pid, writer.pid)
        started = time.perf_counter()
        probe.start()
        clients, capture_s = run_clients(port, all_bodies, deadline)
        stored_at = wait_stored(port, deadline)
        probe.stop.set()
        probe.join(40)
        cpu_after = cpu_snapshot(server.pid, writer.pid)
    except Exception:
        print_server_log(log)
        raise
    finally:
        for process in (server, writer):
            if process is not None:
                stop_server(process)
        log.close()
    stored = stored_message_ids(args.database_url, project_id)
    copied, copy_s = copy_baseline(args.database_url, project_id)
    cpu = {k: round(cpu_after[k] - cpu_before[k], 2) for k in cpu_after}
    elapsed = stored_at - started
    latencies = [lat for c in clients for lat in c.latencies]
    errors = [e for c in clients for e in c.errors]
    rate, copy_rate = len(stored) / elapsed, copied / copy_s
    per_k = {k: round(cpu[k] / len(stored) * 1000, 3) if stored else None for k in ("server", "writer", "postgres")}
    return {
        "shape": shape,
        "log": args.log if args.log == "sql" else f"nats ({args.nats_replicas} replicas)",
        "sent": len(sent_ids),
        "requests": len(latencies),
        "stored": len(stored),
        "missing": len(sent_ids - set(stored)),
        "duplicates": len(stored) - len(set(stored)),
        "errors": len(errors),
        "events_per_s": round(rate),
        "capture_events_per_s": round(sum(c.accepted for c in clients) / capture_s),
        "capture_p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "capture_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "visible_p50_ms": round(percentile(probe.latencies, 0.5) * 1000),
        "visible_max_ms": round(max(probe.latencies, default=float("nan")) * 1000),
        "cpu_s_per_1000": per_k,
        "cpu_s": cpu,
        "copy_rows_per_s": round(copy_rate),
        "ratio": round(rate / copy_rate, 3),
        "error_samples": errors[:5],
    }


def print_server_log(log) -> None:
    sys.stdout.flush()
    log.seek(0)
    tail = log.read()[-4000:]
    if tail:
        print("--- server output (tail) ---\n" + tail, file=sys.stderr)


HEADER = (
    "| shape | log | events/s | capture p50/p99 ms | visible p50/max ms | CPU s per 1k: server/writer/pg "
    "| COPY rows/s | ÷ COPY | stored / missing / dup |"
)


def row(r: dict) -> str:
    k = r["cpu_s_per_1000"]
    return (
        f"| {r['shape']} | {r['log']} | {r['events_per_s']:,} | {r['capture_p50_ms']} / {r['capture_p99_ms']} "
        f"| {r['visible_p50_ms']} / {r['visible_max_ms']} | {k['server']} / {k['writer']} / {k['postgres']} "
        f"| {r['copy_rows_per_s']:,} | {r['ratio']} | {r['stored']:,} / {r['missing']} / {r['duplicates']} |"
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    if "bench" not in (make_url(args.database_url).database or ""):
        sys.exit("refusing: the scratch database is dropped, so its name must contain 'bench'")
    if min(args.events, args.people, args.batch_size, args.clients, args.tab_people, args.writers) < 1:
        sys.exit("--events, --people, --batch-size, --clients, --tab-people and --writers must be positive")

    def on_alarm(_signum, _frame):
        raise TimeoutError(f"the benchmark took more than {args.timeout:.0f} s")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(args.timeout))
    deadline = time.monotonic() + max(args.timeout - 30, args.timeout / 2)
    results = []
    stack = contextlib.ExitStack()
    try:
        if args.log == "cluster":  # a 3-node JetStream cluster on loopback, for this run only
            from nats_cluster import running_cluster

            cluster = stack.enter_context(running_cluster(Path(stack.enter_context(tempfile.TemporaryDirectory()))))
            args.log, args.nats_replicas = cluster.url, 3
        if not args.json:
            print(
                f"{args.events:,} events a shape, {args.clients} clients, {args.workers} server workers, "
                f"{args.writers} writer threads, {os.cpu_count()} cores"
            )
            print(HEADER + "\n" + "|---" * 9 + "|")
        for shape in SHAPES if args.shape == "all" else (args.shape,):
            result = run_shape(shape, args, deadline)
            results.append(result)
            print(orjson.dumps(result).decode() if args.json else row(result), flush=True)
            for line in result["error_samples"]:
                print(f"error: {line}", file=sys.stderr)
    finally:
        stack.close()
        signal.alarm(0)
        if not args.keep:
            try:
                drop_database(args.database_url)
            except psycopg.Error as error:
                print(f"could not drop the scratch database: {error}", file=sys.stderr)
    bad = [r for r in results if r["errors"] or r["missing"] or r["duplicates"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
