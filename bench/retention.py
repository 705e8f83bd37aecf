"""Retention on PostgreSQL: dropping a month's partition against deleting the same rows in batches.

What it does: in a scratch database (default `gw_retention_bench`, recreated on every run), two
projects get --events events each, spread evenly over January and February 2025, with their
`event_ids` (a plain INSERT … SELECT generate_series: a fixture, not the ingest path). Then:

1. **delete**: `retention.purge(before=2025-02-01, project_id=…)` for each project. With --project
   a partition cannot be dropped, so January is deleted in batches of 10,000 rows, each batch with
   its ids, in its own transaction.
2. **drop**: `retention.purge(before=2025-03-01)` for every project. January is now empty, and
   February, the same number of rows, goes with one `DROP TABLE` and then a delete of its ids.

It prints rows, seconds and rows/s for each, and the ratio drop ÷ delete.

    .venv/bin/python bench/retention.py                 # 2 × 500,000 events
    .venv/bin/python bench/retention.py --events 100000
"""

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from common import drop_database, ensure_database, pg_connect  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/gw_retention_bench"
JANUARY, FEBRUARY, MARCH = (datetime(2025, m, 1, tzinfo=UTC) for m in (1, 2, 3))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("GAPWISE_BENCH_RETENTION_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--events", type=int, default=500_000, help="events per project, half in each month")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args(argv)


def load(url: str, project_id: int, events: int) -> None:
    """A person per 100 events; events every few seconds through January and February 2025."""
    step = (MARCH - JANUARY).total_seconds() / events
    with pg_connect(url) as conn:
        conn.execute(
            """
            INSERT INTO people (project_id, traits, first_seen, last_seen, stage)
            SELECT %(p)s, '{}'::jsonb, %(start)s, %(end)s, 'trial' FROM generate_series(1, %(n)s / 100 + 1)""",
            {"p": project_id, "n": events, "start": JANUARY, "end": MARCH},
        )
        conn.execute(
            """
            INSERT INTO events (project_id, message_id, person_id, type, name, properties, timestamp, received_at)
            SELECT %(p)s, gen_random_uuid()::text, first.id + g %% (%(n)s / 100 + 1), 'track', 'Report Exported',
                   jsonb_build_object('format', 'pdf', 'rows', g %% 1000),
                   %(start)s + g * %(step)s * interval '1 second', %(start)s + g * %(step)s * interval '1 second'
            FROM generate_series(0, %(n)s - 1) g,
                 (SELECT min(id) AS id FROM people WHERE project_id = %(p)s) first""",
            {"p": project_id, "n": events, "start": JANUARY, "step": step},
        )
        conn.execute(
            "INSERT INTO event_ids (project_id, message_id, timestamp) "
            "SELECT project_id, message_id, timestamp FROM events WHERE project_id = %(p)s",
            {"p": project_id},
        )
        conn.commit()


def main(argv=None) -> None:
    args = parse_args(argv)
    ensure_database(args.database_url, fresh=True)
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from gapwise.core.storage import migrate, partitions, retention
    from gapwise.db import make_engine
    from gapwise.models import Event, EventId, Project

    migrate.upgrade(args.database_url)
    engine = make_engine(args.database_url, timeout_ms=600_000)
    with Session(engine) as session:
        partitions.ensure(session, JANUARY, ahead=1)
        projects = [Project(name=f"bench {n}", write_key=f"wk_retention_bench_{n}", allowed_origins=[]) for n in (1, 2)]
        session.add_all(projects)
        session.commit()
        ids = [p.id for p in projects]
    started = time.perf_counter()
    for pid in ids:
        load(args.database_url, pid, args.events)
    with pg_connect(args.database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE events")
        conn.execute("VACUUM ANALYZE event_ids")
    print(
        f"load:    {2 * args.events:,} events and their ids over 2025-01 and 2025-02 in "
        f"{time.perf_counter() - started:.1f} s"
    )

    with Session(engine) as session:
        started = time.perf_counter()
        deleted = sum(r.events for pid in ids for r in retention.purge(session, FEBRUARY, project_id=pid))
        delete_seconds = time.perf_counter() - started
        started = time.perf_counter()
        removed = retention.purge(session, MARCH)
        drop_seconds = time.perf_counter() - started
        dropped = sum(r.events for r in removed)
        left = session.scalar(select(func.count()).select_from(Event))
        ids_left = session.scalar(select(func.count()).select_from(EventId))
        names = [p.name for p in partitions.listing(session)]
    engine.dispose()
    assert left == ids_left == 0, (left, ids_left)
    assert "events_2025_01" not in names and "events_2025_02" not in names, names
    print(
        f"delete:  {deleted:>9,} events of 2025-01 in batches (--project) in {delete_seconds:6.2f} s, "
        f"{deleted / delete_seconds:>11,.0f} events/s"
    )
    print(
        f"drop:    {dropped:>9,} events of 2025-02 as {', '.join(sorted({r.partition for r in removed if r.events}))} "
        f"in {drop_seconds:6.2f} s, {dropped / drop_seconds:>11,.0f} events/s"
    )
    print(
        f"ratio:   drop ÷ delete = {(dropped / drop_seconds) / (deleted / delete_seconds):.1f} × faster; "
        f"0 events and 0 ids left before 2025-03"
    )
    if not args.keep:
        drop_database(args.database_url)


if __name__ == "__main__":
    main()
