"""Export throughput and peak memory on 1M events in PostgreSQL, beside a raw COPY of the same rows.

What it does: loads --events events of --people people into one project of a scratch PostgreSQL
database (plain INSERT … SELECT generate_series: this is a fixture, not the ingest path), then, for
CSV, NDJSON and Parquet, runs GET /api/v1/export/events in a child process (the Flask app in-process,
through its test client, the body read and discarded as it streams) and reports rows/s and the
child's peak resident memory (its max RSS, from os.wait4). The same SELECT is run through
`COPY (SELECT …) TO STDOUT (FORMAT csv)` in a child too: the ceiling, and the ratio export ÷ COPY.
Each format is also run with limit=--small rows to show that peak memory does not grow with rows.
Goal: ≥ 100k rows/s for CSV and NDJSON.

    .venv/bin/python bench/export.py              # loads once (about 20 s), then measures
    .venv/bin/python bench/export.py --fresh      # drop and reload

The database (default `gw_export_bench`; its name must contain "bench") is created when missing and
kept, so later runs only measure.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from common import ensure_database, pg_connect  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/gw_export_bench"
FORMATS = ("csv", "ndjson", "parquet")
GOAL = 100_000
SECRET_VARIABLE = "GAPWISE_BENCH_SECRET_KEY"  # how a child gets the key: not on its command line
CONTEXT = '{"locale": "en-GB", "library": {"name": "gapwise.js", "version": "0.1.0"}, "page": {"path": "/reports"}}'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("GAPWISE_BENCH_EXPORT_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=100_000, help="rows of the smaller run (memory comparison)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each full export (the median is printed)")
    parser.add_argument("--fresh", action="store_true", help="drop and reload the database")
    parser.add_argument("--child", nargs=3, metavar=("WHAT", "LIMIT", "PROJECT"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- fixture ------------------------------------------------------------------------------------


def prepare(url: str, events: int, people: int) -> tuple[int, str, int]:
    """The bench project (created and loaded when missing), a fresh secret key for it, and its event count."""
    from gapwise import create_app
    from gapwise.core.projects import keys
    from gapwise.core.storage import migrate
    from gapwise.db import db
    from gapwise.models import Project

    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        project = db.session.query(Project).filter_by(name="Export bench").one_or_none()
        if project is None:
            project, _ = keys.create_project(db.session, "Export bench")
        project_id, secret = project.id, keys.create_secret_key(db.session, project.id, "bench")
    app.extensions["gapwise.db"].engine.dispose()
    with pg_connect(url, autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM events WHERE project_id = %s", (project_id,)).fetchone()[0]
        if not have:
            started = time.perf_counter()
            load(conn, project_id, events, people)
            split_months(url)
            have = conn.execute("SELECT count(*) FROM events WHERE project_id = %s", (project_id,)).fetchone()[0]
            print(f"load:     {have:,} events of {people:,} people in {time.perf_counter() - started:.1f} s")
        else:
            print(f"load:     reusing {have:,} events (--fresh to reload)")
    return project_id, secret, have


def split_months(url: str) -> None:
    """Move the loaded months out of the default partition, as the daily pass of `gapwise serve` would."""
    from sqlalchemy.orm import Session

    from gapwise.core.storage import partitions
    from gapwise.db import make_engine

    engine = make_engine(url, timeout_ms=600_000)
    with Session(engine) as session:
        made = partitions.ensure(session, datetime.now(UTC))
    engine.dispose()
    if made:
        print("load:     months split out of events_default: " + ", ".join(f"{p.name} ({p.rows:,})" for p in made))


def load(conn, project_id: int, events: int, people: int) -> None:
    """People (two in three identified) and browser-like events, generated inside PostgreSQL."""
    conn.execute(
        """
        INSERT INTO people (project_id, user_id, traits, first_seen, last_seen, stage)
        SELECT %(p)s, CASE WHEN g %% 3 = 0 THEN NULL ELSE 'user-' || g END,
               jsonb_build_object('plan', (ARRAY['free', 'pro', 'team'])[1 + g %% 3]),
               timestamptz '2026-09-01', timestamptz '2026-11-23', 'trial'
        FROM generate_series(1, %(n)s) g""",
        {"p": project_id, "n": people},
    )
    conn.execute(
        """
        INSERT INTO events (project_id, message_id, person_id, type, name, properties, context, timestamp,
                            received_at)
        SELECT %(p)s, gen_random_uuid()::text, first.id + g %% %(people)s,
               CASE WHEN g %% 2 = 0 THEN 'track' ELSE 'page' END,
               CASE WHEN g %% 2 = 0 THEN (ARRAY['Report Exported', 'feature_used', 'Filter Applied'])[1 + g %% 3]
                    ELSE '/reports' END,
               CASE WHEN g %% 2 = 0 THEN jsonb_build_object('format', 'pdf', 'rows', g %% 1000)
                    ELSE jsonb_build_object('url', 'https://app.example.com/reports', 'title', 'Reports') END,
               %(context)s::jsonb,
               timestamptz '2026-09-01' + g * interval '5 seconds',
               timestamptz '2026-09-01' + g * interval '5 seconds' + interval '1.5 seconds'
        FROM generate_series(1, %(n)s) g,
             (SELECT min(id) AS id FROM people WHERE project_id = %(p)s) first""",
        {"p": project_id, "n": events, "people": people, "context": CONTEXT},
    )
    conn.execute("VACUUM ANALYZE events")
    conn.execute("VACUUM ANALYZE people")


# --- one measurement, in its own process ----------------------------------------------------------


def child(url: str, what: str, limit: int, project_id: int, secret: str) -> dict:
    """Run one export (or the COPY) and return rows, bytes and seconds; the parent reads our max RSS."""
    from gapwise import create_app
    from gapwise.core.exports.query import Filters, events_select
    from gapwise.db import db

    app = create_app({"DATABASE_URL": url})
    if what == "idle":
        return {"rows": 0, "bytes": 0, "seconds": 0.0}
    started, size, lines, tail = time.perf_counter(), 0, 0, b""
    if what == "copy":
        with app.app_context():
            stmt = events_select(Filters(project_id=project_id, limit=limit))
            sql = str(stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
        body = _copied(url, sql)
    else:
        response = app.test_client().get(
            f"/api/v1/export/events?format={what}&limit={limit}",
            buffered=False,
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert response.status_code == 200, (response.status_code, response.get_data(as_text=True))
        body = response.response
    for chunk in body:
        size += len(chunk)
        if what == "parquet":
            tail = (tail + chunk)[-(1 << 20) :]
        else:
            lines += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    rows = parquet_rows(tail) if what == "parquet" else lines - (what in ("csv", "copy"))
    return {"rows": rows, "bytes": size, "seconds": seconds}


def _copied(url: str, sql: str):
    with pg_connect(url) as conn, conn.cursor().copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, HEADER)") as copy:
        for block in copy:
            yield bytes(block)


def parquet_rows(tail: bytes) -> int:
    """The row count in a Parquet file's footer, read from the file's last bytes only."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    footer = int.from_bytes(tail[-8:-4], "little") + 8
    return pq.read_metadata(pa.BufferReader(b"PAR1" + tail[-footer:])).num_rows


def measure(url: str, what: str, limit: int, project_id: int, secret: str) -> dict:
    """Run `child` in a fresh interpreter; add its peak resident memory (max RSS) in MB."""
    command = [sys.executable, __file__, "--database-url", url, "--child", what, str(limit), str(project_id)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT, env={**os.environ, SECRET_VARIABLE: secret})
    output = process.stdout.read()
    process.stdout.close()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{what} failed with status {process.returncode}")
    return {**json.loads(output), "rss_mb": usage.ru_maxrss / 1024}


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child:
        what, limit, project_id = args.child
        print(json.dumps(child(args.database_url, what, int(limit), int(project_id), os.environ[SECRET_VARIABLE])))
        return 0
    ensure_database(args.database_url, args.fresh)
    project_id, secret, total = prepare(args.database_url, args.events, args.people)
    small = min(args.small, total)
    idle = measure(args.database_url, "idle", 0, project_id, secret)["rss_mb"]
    print(f"idle:     a child with the app loaded and nothing exported peaks at {idle:.0f} MB")
    print(
        f"{'':10}{'rows':>11}{'seconds':>9}{'rows/s':>11}{'MB out':>8}{'peak RSS':>10}"
        f"{'at ' + format(small, ','):>14}{'vs COPY':>9}"
    )
    results, failed = {}, 0
    for what in ("copy", *FORMATS):
        runs = [measure(args.database_url, what, total, project_id, secret) for _ in range(args.runs)]
        full = min(runs, key=lambda r: abs(r["seconds"] - statistics.median(x["seconds"] for x in runs)))
        part = measure(args.database_url, what, small, project_id, secret)
        if full["rows"] != total or part["rows"] != small:
            print(f"{what}: expected {total} and {small} rows, got {full['rows']} and {part['rows']}")
            failed += 1
        rate = full["rows"] / full["seconds"]
        results[what] = rate
        ratio = f"{rate / results['copy']:.2f}" if what != "copy" else "1.00"
        print(
            f"{what + ':':<10}{full['rows']:>11,}{full['seconds']:>9.2f}{rate:>11,.0f}{full['bytes'] / 1e6:>8.0f}"
            f"{full['rss_mb']:>7.0f} MB{part['rss_mb']:>11.0f} MB{ratio:>9}"
        )
    for what in ("csv", "ndjson"):
        ok = results[what] >= GOAL
        failed += not ok
        print(f"goal:     {what} {results[what]:,.0f} rows/s, {'within' if ok else 'UNDER'} the {GOAL:,} rows/s goal")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
