"""Ingestion throughput of POST /v1/batch against a real server, compared with a raw PostgreSQL COPY.

What it measures: a fixed number of browser-like events (mostly track and page, a few identify,
each with a unique messageId) is posted in batches by concurrent clients, over persistent HTTP
connections, to `gapwise serve` (gunicorn) running on a scratch PostgreSQL database. It reports
events/s over the whole send phase, request latency (p50/p99), CPU seconds spent by the clients,
the server and PostgreSQL, and checks the events table holds exactly what was sent. The same rows
are then loaded with psycopg's `COPY ... FROM STDIN` into a copy of the events table (same
columns, defaults, indexes and foreign keys) to give a ceiling; the ratio ingest/COPY is the
figure to watch (goal >= 0.15).

Run it from the repository root (PostgreSQL on 127.0.0.1:5432, trust auth, user postgres):

    .venv/bin/python bench/ingest.py                       # or: make bench
    .venv/bin/python bench/ingest.py --workers 3 --clients 8 --events 40000 --json

The scratch database (default `gapwise_bench`; its name must contain "bench") is dropped and
recreated at the start and dropped at the end unless --keep. Everything stops within --timeout
seconds; all traffic stays on 127.0.0.1.
"""

import argparse
import http.client
import os
import signal
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
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--people", type=int, default=3, help="distinct people (anonymousIds) per client")
    parser.add_argument(
        "--warmup", type=int, default=2, help="untimed batches per client first, sent to a separate project"
    )
    parser.add_argument("--timeout", type=float, default=300, help="global time limit in seconds")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    return parser.parse_args(argv)


# --- scratch database -------------------------------------------------------------------------


def prepare_database(url: str, names=("Bench", "Warm-up")) -> list[tuple[int, str]]:
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


# --- request bodies ---------------------------------------------------------------------------


def build_bodies(write_key: str, client: int, events: int, batch_size: int, people: int):
    """The batches one browser-like client sends, ready to post (mostly track and page, a few identify),
    and their message ids."""
    anon_ids = [f"anon-{client}-{p}-{uuid.uuid4().hex[:8]}" for p in range(people)]
    identified: dict[str, str] = {}
    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    bodies, batch, ids = [], [], []
    for i in range(events):
        anon = anon_ids[i % people]
        ts = start + timedelta(milliseconds=250 * i)
        m = {
            "messageId": str(uuid.uuid4()),
            "anonymousId": anon,
            "timestamp": _iso(ts),
            "context": {"locale": "en-GB", "library": {"name": "gapwise.js", "version": "0.1.0"}},
        }
        roll = i % 20
        if roll == 7 and anon not in identified:
            identified[anon] = f"user-{client}-{len(identified)}"
            m.update(
                type="identify",
                userId=identified[anon],
                traits={"email": f"{identified[anon]}@example.com", "plan": "trial"},
            )
        elif roll % 2:
            path, title = PAGES[(i // 2) % len(PAGES)]
            m.update(type="page", properties={"url": f"https://app.example.com{path}", "path": path, "title": title})
        else:
            event, properties = TRACKS[(i // 2) % len(TRACKS)]
            m.update(type="track", event=event, properties=properties)
        if anon in identified:
            m["userId"] = identified[anon]
        batch.append(m)
        ids.append(m["messageId"])
        if len(batch) == batch_size or i == events - 1:
            sent_at = _iso(ts + timedelta(milliseconds=500))
            bodies.append(orjson.dumps({"writeKey": write_key, "sentAt": sent_at, "batch": batch}))
            batch = []
    return bodies, ids


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def split_events(total: int, clients: int) -> list[int]:
    return [total // clients + (1 if c < total % clients else 0) for c in range(clients)]


# --- server -----------------------------------------------------------------------------------

# --- CPU accounting (Linux /proc) -------------------------------------------------------------


def cpu_snapshot(server_pid: int) -> dict[str, float]:
    """CPU seconds so far of: this process (clients), the server (master and workers), all postgres
    processes, and the whole machine."""
    tick = os.sysconf("SC_CLK_TCK")
    totals = {"clients": 0.0, "server": 0.0, "postgres": 0.0, "machine_busy": 0.0}
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
        self.sent = self.accepted = self.duplicates = 0

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
            self.duplicates += answer["duplicates"]
            if answer["accepted"] != size or answer["rejected"]:
                self.errors.append(f"batch {index}: accepted {answer['accepted']} of {size}: {data[:300]!r}")
        conn.close()


def run_clients(port: int, all_bodies: list[list[bytes]], batch_size: int, counts: list[int], deadline: float):
    clients = []
    for bodies, count in zip(all_bodies, counts, strict=False):
        sizes = [batch_size] * (count // batch_size) + ([count % batch_size] if count % batch_size else [])
        clients.append(Client(port, bodies, sizes, deadline))
    started = time.perf_counter()
    for c in clients:
        c.start()
    for c in clients:
        while c.is_alive():
            c.join(0.5)
    return clients, time.perf_counter() - started


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


# --- main -------------------------------------------------------------------------------------


def summarise(args, clients, elapsed, cpu, sent_ids, stored, copied, copy_s) -> dict:
    """The figures of one run, as printed (or dumped with --json)."""
    latencies = [lat for c in clients for lat in c.latencies]
    errors = [e for c in clients for e in c.errors]
    ingest_rate, copy_rate = len(stored) / elapsed, copied / copy_s
    return {
        "workers": args.workers,
        "clients": args.clients,
        "batch_size": args.batch_size,
        "people_per_client": args.people,
        "database": make_url(args.database_url).render_as_string(True),
        "planned": args.events,
        "sent": sum(c.sent for c in clients),
        "accepted": sum(c.accepted for c in clients),
        "stored": len(stored),
        "missing": len(sent_ids - set(stored)),
        "duplicates": len(stored) - len(set(stored)),
        "server_duplicates": sum(c.duplicates for c in clients),
        "errors": len(errors),
        "elapsed_s": round(elapsed, 3),
        "ingest_events_per_s": round(ingest_rate, 1),
        "requests": len(latencies),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "cpu_s": cpu,
        "copy_rows": copied,
        "copy_s": round(copy_s, 3),
        "copy_rows_per_s": round(copy_rate, 1),
        "ratio": round(ingest_rate / copy_rate, 4),
        "error_samples": errors[:10],
    }


def print_server_log(log) -> None:
    sys.stdout.flush()
    log.seek(0)
    tail = log.read()[-4000:]
    if tail:
        print("--- server output (tail) ---\n" + tail, file=sys.stderr)


def report(args, result: dict) -> None:
    if args.json:
        print(orjson.dumps(result).decode())
        return
    r = result
    print(
        f"settings: {r['workers']} gunicorn sync workers, {r['clients']} clients, batch size {r['batch_size']}, "
        f"{r['people_per_client']} people per client, database {r['database']}"
    )
    print(
        f"events:   planned {r['planned']}, sent {r['sent']}, accepted {r['accepted']}, stored {r['stored']}, "
        f"missing {r['missing']}, duplicates {r['duplicates']}, errors {r['errors']}"
    )
    print(
        f"ingest:   {r['elapsed_s']:.2f} s, {r['ingest_events_per_s']:.0f} events/s, "
        f"{r['requests']} requests, latency p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms"
    )
    cpu = r["cpu_s"]
    other = cpu["machine_busy"] - cpu["clients"] - cpu["server"] - cpu["postgres"]
    print(
        f"cpu:      server {cpu['server']:.1f} s, postgres {cpu['postgres']:.1f} s, clients {cpu['clients']:.1f} s, "
        f"other {max(other, 0):.1f} s; machine busy {cpu['machine_busy']:.1f} s of "
        f"{r['elapsed_s'] * os.cpu_count():.1f} s ({os.cpu_count()} cores)"
    )
    print(f"copy:     {r['copy_rows']} rows in {r['copy_s']:.2f} s, {r['copy_rows_per_s']:.0f} rows/s")
    verdict = "meets" if r["ratio"] >= 0.15 else "below"
    print(f"ratio:    ingest / COPY = {r['ratio']:.3f} ({verdict} the 0.15 goal)")
    for line in r["error_samples"]:
        print(f"error:    {line}")


def main(argv=None) -> int:
    args = parse_args(argv)
    if "bench" not in (make_url(args.database_url).database or ""):
        sys.exit("refusing: the scratch database is dropped, so its name must contain 'bench'")
    if args.events < 1 or args.batch_size < 1 or args.clients < 1 or args.people < 1:
        sys.exit("--events, --batch-size, --clients and --people must be positive")

    def on_alarm(_signum, _frame):
        raise TimeoutError(f"the benchmark took more than {args.timeout:.0f} s")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(args.timeout))
    deadline = time.monotonic() + max(args.timeout - 20, args.timeout / 2)  # leave time to verify and clean up
    server, log = None, tempfile.TemporaryFile(mode="w+")  # noqa: SIM115  (closed in the finally below)
    try:
        recreate_database(args.database_url)
        (project_id, write_key), (_, warmup_key) = prepare_database(args.database_url)
        counts = split_events(args.events, args.clients)
        built = [build_bodies(write_key, c, n, args.batch_size, args.people) for c, n in enumerate(counts)]
        bodies, sent_ids = [b for b, _ in built], {i for _, ids in built for i in ids}
        port = free_port()
        server = start_server(args.database_url, port, args.workers, log)
        wait_healthy(server, port)
        if args.warmup:
            warmup = [
                build_bodies(warmup_key, c, args.warmup * args.batch_size, args.batch_size, args.people)[0]
                for c in range(args.clients)
            ]
            warmed, _ = run_clients(
                port, warmup, args.batch_size, [args.warmup * args.batch_size] * args.clients, deadline
            )
            if any(c.errors for c in warmed):
                raise RuntimeError(f"warm-up failed: {[c.errors[:3] for c in warmed]}")

        cpu_before = cpu_snapshot(server.pid)
        clients, elapsed = run_clients(port, bodies, args.batch_size, counts, deadline)
        cpu_after = cpu_snapshot(server.pid)
        stop_server(server)

        stored = stored_message_ids(args.database_url, project_id)
        copied, copy_s = copy_baseline(args.database_url, project_id)
        cpu = {k: round(cpu_after[k] - cpu_before[k], 2) for k in cpu_after}
        result = summarise(args, clients, elapsed, cpu, sent_ids, stored, copied, copy_s)
        report(args, result)
        if result["errors"]:
            print_server_log(log)
        ok = not result["errors"] and result["stored"] == args.events and not result["missing"]
        return 0 if ok and not result["duplicates"] else 1
    except Exception:
        if server is not None:
            stop_server(server)
            print_server_log(log)
        raise
    finally:
        if server is not None:
            stop_server(server)
        signal.alarm(0)
        if not args.keep:
            try:
                drop_database(args.database_url)
            except psycopg.Error as error:
                print(f"could not drop the scratch database: {error}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
