"""The gap report, the funnel and the scores on 1M events from 10k people in PostgreSQL (goal: each ≤ 2 s;
reading the stored gap report: p99 ≤ 50 ms).

What it does: sets up the demo project (demo.seed: its features, segments and surveys) in a
PostgreSQL database, loads the demo simulation (demo.plan) for --people people over --days
days through the real ingest path (`core.ingest.load` in-process: checked as capture checks,
stored as the writer stores, chunks of 5,000, so usage rollups and journey stages are kept as in
production) and prints the load rate; then times `gaps.report.evaluate` (measure, store, enqueue webhooks: what
the scheduler runs), `funnel.funnel` and `scores.scores` on the project, median of --runs runs each, and
`gaps.report.read` (what GET /api/v1/gaps and the dashboard do) --reads times, p50 and p99. Beside them, a raw
baseline in the same run: one COUNT(*) over the project's events, and one primary-key read of a gap snapshot.
A module that does not exist yet is reported as missing.

    .venv/bin/python bench/gaps.py                       # 10k people, 70 days: about 1M events
    .venv/bin/python bench/gaps.py --people 2000 --fresh # a smaller, reloaded run

The database (default `gw_bench`; its name must contain "bench") is created if missing and kept: a
second run reuses the loaded events unless --fresh drops and reloads them. Loading stops after
--timeout seconds; what was loaded by then is measured.
"""

import argparse
import importlib
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from common import ensure_database  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/gw_bench"
BATCH = 5000  # messages a transaction, as the writer takes them
SLICE = 250  # people generated at a time, so memory stays flat
GOAL_S = 2.0
READ_GOAL_MS = 50.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("GAPWISE_BENCH_GAPS_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=70, help="simulated days (70 gives about 100 events a person)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each query (the median is printed)")
    parser.add_argument("--fresh", action="store_true", help="drop and reload the database")
    parser.add_argument("--timeout", type=float, default=900, help="time limit of the load, in seconds")
    parser.add_argument("--reads", type=int, default=300, help="timed reads of the stored gap report")
    return parser.parse_args(argv)


def load(session, project, args, deadline: float) -> tuple[int, float]:
    """Generate the simulation in slices of people and ingest it in batches; return (accepted, seconds)."""
    from gapwise.core.ingest.load import load as store_now
    from gapwise.demo import simulation
    from gapwise.models.base import utcnow

    now = utcnow()
    accepted, started, next_report = 0, time.perf_counter(), 0.1
    for first in range(0, args.people, SLICE):
        messages = simulation.generate(
            min(SLICE, args.people - first), args.days, args.seed, now, survey_ids=project.survey_ids, first=first
        )
        for offset in range(0, len(messages), BATCH):
            answer = store_now(session, project.project_id, messages[offset : offset + BATCH], now)
            session.commit()
            if answer["rejected"]:
                raise SystemExit(f"rejected: {answer['rejected'][:3]}")
            accepted += answer["accepted"]
        done = (first + SLICE) / args.people
        if done >= next_report or done >= 1:
            analyze(session)
            elapsed = time.perf_counter() - started
            print(
                f"  loaded {min(first + SLICE, args.people):>6,} people, {accepted:>9,} events, "
                f"{elapsed:6.1f} s, {accepted / elapsed:,.0f} events/s",
                flush=True,
            )
            next_report += 0.1
        if time.monotonic() > deadline:
            print(f"  time limit reached after {first + SLICE:,} people: measuring what is loaded")
            break
    return accepted, time.perf_counter() - started


def analyze(session) -> None:
    """Refresh the planner's statistics as autovacuum would while tables grow (some machines run PostgreSQL
    with autovacuum off; with no statistics the planner keeps plans made for empty tables)."""
    from sqlalchemy import text

    if session.scalar(text("SHOW autovacuum")) == "off":
        session.execute(
            text(
                "ANALYZE events, people, person_aliases, person_goals, accounts, feature_usage, activity, event_ids, "
                "displays, responses"
            )
        )
        session.commit()


def timed(session, module: str, function: str, project_id: int, runs: int):
    """Run `module.function(session, project_id)` `runs` times; return the durations and the last result."""
    try:
        func = getattr(importlib.import_module(f"gapwise.core.{module}"), function)
    except (ImportError, AttributeError):
        return None, None
    durations, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = func(session, project_id)
        durations.append(time.perf_counter() - started)
        session.rollback()  # end the read so every run starts alike
    return durations, result


def raw_baseline(session, project_id: int) -> float:
    """Seconds to count the project's events once: reading the data, with nothing computed."""
    from sqlalchemy import func, select

    from gapwise.models import Event

    started = time.perf_counter()
    session.scalar(select(func.count()).select_from(Event).where(Event.project_id == project_id))
    took = time.perf_counter() - started
    session.rollback()
    return took


def reads(session, project_id: int, count: int) -> int:
    """Time `gaps.report.read` `count` times against a primary-key read of one snapshot; 1 if p99 is over."""
    from sqlalchemy import select

    from gapwise.core.gaps import report
    from gapwise.models import GapSnapshot

    def percentiles(work) -> tuple[float, float]:
        took = []
        for _ in range(count):
            started = time.perf_counter()
            work()
            took.append((time.perf_counter() - started) * 1000)
            session.rollback()
        took.sort()
        return took[len(took) // 2], took[min(len(took) - 1, int(len(took) * 0.99))]

    p50, p99 = percentiles(lambda: report.read(session, project_id))
    one = select(GapSnapshot).where(GapSnapshot.project_id == project_id).limit(1)
    b50, b99 = percentiles(lambda: session.scalar(one))
    gaps = len(report.read(session, project_id)["gaps"])
    session.rollback()
    print(
        f"read:     gaps.report.read p50 {p50:.1f} ms, p99 {p99:.1f} ms over {count} reads ({gaps} gaps); one snapshot "
        f"row p50 {b50:.2f} ms, p99 {b99:.2f} ms; {'within' if p99 <= READ_GOAL_MS else 'OVER'} the "
        f"{READ_GOAL_MS:.0f} ms goal"
    )
    return int(p99 > READ_GOAL_MS)


def main(argv=None) -> int:
    args = parse_args(argv)
    ensure_database(args.database_url, args.fresh)
    from sqlalchemy import func, select

    from gapwise import create_app
    from gapwise.core.storage import migrate, partitions
    from gapwise.db import db
    from gapwise.demo import seed as demo
    from gapwise.models import Person

    migrate.upgrade(args.database_url)
    app = create_app({"DATABASE_URL": args.database_url})
    failed = 0
    with app.app_context():
        session = db.session
        project = demo.configure(session)
        if project.events:
            print(
                f"load:     reusing {project.events:,} events already in {make_url(args.database_url).database} "
                "(--fresh to reload)"
            )
        else:
            print(
                f"load:     {args.people:,} people over {args.days} days (seed {args.seed}) through core.ingest.load, "
                f"batches of {BATCH}"
            )
            accepted, seconds = load(session, project, args, time.monotonic() + args.timeout)
            print(f"load:     {accepted:,} events in {seconds:.1f} s, {accepted / seconds:,.0f} events/s")
            # As the daily pass of `gapwise serve` would: past months out of the default partition.
            made = partitions.ensure(session, datetime.now(UTC))
            if made:
                print(
                    "load:     months split out of events_default: " + ", ".join(f"{p.name} ({p.rows:,})" for p in made)
                )
        events = demo.configure(session).events
        people = session.scalar(select(func.count()).select_from(Person).where(Person.project_id == project.project_id))
        session.rollback()
        print(f"data:     {events:,} events, {people:,} people")
        baseline = raw_baseline(session, project.project_id)
        print(f"baseline: COUNT(*) of the project's events {baseline:.2f} s")
        for module, function, size in (
            ("gaps.report", "evaluate", lambda r: f"{sum(g.get('flagged', True) for g in r['gaps'])} flags"),
            ("journey.funnel", "funnel", lambda r: f"{len(r['stages'])} stages"),
            ("surveys.scores", "scores", lambda r: f"NPS n={r['nps']['n']}"),
        ):
            durations, result = timed(session, module, function, project.project_id, args.runs)
            name = f"{module}.{function}"
            if durations is None:
                print(f"{module + ':':<9} {name} missing")
                continue
            median = statistics.median(durations)
            failed += median > GOAL_S
            runs = " ".join(f"{d:.2f}" for d in durations)
            print(
                f"{module + ':':<9} {name} {median:.2f} s median of {args.runs} ({runs}), {size(result)}, "
                f"{median / baseline:.1f}× the baseline, {'within' if median <= GOAL_S else 'OVER'} the "
                f"{GOAL_S:.0f} s goal"
            )
        failed += reads(session, project.project_id, args.reads)
    app.extensions["gapwise.db"].engine.dispose()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
