"""Monthly partitions of `events` on PostgreSQL: made ahead of their month, split out of the default
partition when rows landed there first, and dropped whole by retention.

Partitions are named `events_YYYY_MM` and hold one calendar month (UTC) of `timestamp`. The default
partition `events_default` takes anything no month partition covers, so ingest never fails for want
of a partition: a month nobody made in time, or timestamps older than HISTORY_MONTHS. `ensure`,
run by `gapwise db upgrade`, `gapwise partitions`, `gapwise retention` and a daily pass in
`gapwise serve`, makes the months ahead and moves such rows into partitions of their own.
SQLite has no partitions; every function here is a no-op there.
"""

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ...db import db
from .sql import rowcount

AHEAD = 3
HISTORY_MONTHS = 120
DEFAULT = "events_default"
LOCK_TIMEOUT = "1s"
LOCK_ATTEMPTS = 5
# Moving a month out of the default, counting a month or deleting its ids reads the whole month:
# longer than a request may take (DB_TIMEOUT_MS), so these transactions set their own bound.
STATEMENT_TIMEOUT = "1h"
EVERY_SECONDS = 24 * 3600
RETRY_SECONDS = 300
log = logging.getLogger(__name__)
_NAME = re.compile(r"^events_(\d{4})_(\d{2})$")
# Any constant shared by the processes that may run `ensure` at once; they then take turns.
_ADVISORY_LOCK = 0x6761_7077_6973_65  # "gapwise"


@dataclass(frozen=True)
class Partition:
    """One partition of `events`; the default has no month."""

    name: str
    month: datetime | None
    rows: int | None = None

    @property
    def end(self) -> datetime | None:
        return add_months(self.month, 1) if self.month else None


def month_of(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def add_months(month: datetime, n: int) -> datetime:
    index = month.year * 12 + month.month - 1 + n
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def name_of(month: datetime) -> str:
    return f"events_{month:%Y_%m}"


def is_partition_name(name: str) -> bool:
    """Whether a table name is one of the partitions of events (a month's, or the default)."""
    return name == DEFAULT or _NAME.match(name) is not None


def is_partitioned(session: Session) -> bool:
    """Whether `events` is a partitioned table (PostgreSQL after migration 0007)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    return session.scalar(text("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass('events')")) is True


def listing(session: Session, count_rows: bool = False) -> list[Partition]:
    """The partitions of `events`, months in order then the default; with exact row counts if asked."""
    if not is_partitioned(session):
        return []
    names = session.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'events'::regclass"
        )
    )
    found = []
    if count_rows:
        _maintenance(session)
    for name in list(names):
        match = _NAME.match(name)
        month = datetime(int(match.group(1)), int(match.group(2)), 1, tzinfo=UTC) if match else None
        rows = session.scalar(text(f'SELECT count(*) FROM "{name}"')) if count_rows else None
        found.append(Partition(name, month, rows))
    return sorted(found, key=lambda p: (p.month is None, p.month or datetime.min.replace(tzinfo=UTC)))


def ensure(session: Session, now: datetime, ahead: int = AHEAD) -> list[Partition]:
    """Make the partitions of this month and the `ahead` after it, and of every month from HISTORY_MONTHS
    back to then with rows in the default partition (moving those rows); return what was made, with
    the rows moved. Commits the session. Rows outside that span stay in the default: a client's clock
    cannot make a partition per month of two centuries."""
    if not is_partitioned(session):
        return []
    session.commit()
    current = month_of(now)
    have = {p.month for p in listing(session)}
    wanted = {add_months(current, n) for n in range(ahead + 1)}
    wanted |= set(_months_in_default(session, add_months(current, -HISTORY_MONTHS), add_months(current, ahead + 1)))
    made = [_with_retries(session, _split_out, month) for month in sorted(wanted - have)]
    return [p for p in made if p is not None]


def _maintenance(session: Session) -> None:
    """Bounds for this transaction: wait at most LOCK_TIMEOUT for a lock, run up to STATEMENT_TIMEOUT."""
    session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    session.execute(text(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'"))


def _with_retries(session: Session, step, *args):
    """Run one locking step; when a lock was not granted within LOCK_TIMEOUT, wait and try again, a few
    times, so that a busy moment costs ingest a pause of at most LOCK_TIMEOUT each time, never a queue."""
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        try:
            return step(session, *args)
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != "55P03" or attempt == LOCK_ATTEMPTS:
                raise
            time.sleep(attempt)
    raise AssertionError("unreachable")


def _months_in_default(session: Session, since: datetime, until: datetime) -> list[datetime]:
    _maintenance(session)
    rows = session.scalars(
        text(
            f"SELECT DISTINCT date_trunc('month', timestamp AT TIME ZONE 'UTC') "
            f"FROM {DEFAULT} WHERE timestamp >= :since AND timestamp < :until"
        ),
        {"since": since, "until": until},
    )
    session.commit()
    return [m.replace(tzinfo=UTC) for m in rows]


def _split_out(session: Session, month: datetime) -> Partition | None:
    """Create one month's partition in a short transaction: the default is locked against inserts, that
    month's rows move out of it, and the new table is attached. None if another process made it first.

    Attaching validates the new table's foreign keys, which takes SHARE ROW EXCLUSIVE on `projects` and
    `people`. Ingest writes `people` before `events`, so those two are locked first, before the default:
    taken in the other order, a batch holding `people` and waiting on the default would deadlock with us.
    Batches wait for the commit (at most LOCK_TIMEOUT to get the locks, then the move itself).
    """
    name, start, end = name_of(month), month.isoformat(), add_months(month, 1).isoformat()
    try:
        _maintenance(session)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
        if session.scalar(text("SELECT to_regclass(:name)"), {"name": name}) is not None:
            session.rollback()
            return None
        session.execute(text("LOCK TABLE projects, people IN SHARE ROW EXCLUSIVE MODE"))
        session.execute(text(f"LOCK TABLE {DEFAULT} IN EXCLUSIVE MODE"))
        session.execute(text(f"CREATE TABLE {name} (LIKE events INCLUDING DEFAULTS)"))
        # The partition's bound as a constraint, so attaching need not scan the table to prove it.
        session.execute(
            text(
                f"ALTER TABLE {name} ADD CONSTRAINT {name}_bound CHECK (timestamp >= '{start}' AND timestamp < '{end}')"
            )
        )
        bounds = {"start": month, "end": add_months(month, 1)}
        moved = rowcount(
            session.execute(
                text(f"INSERT INTO {name} SELECT * FROM {DEFAULT} WHERE timestamp >= :start AND timestamp < :end"),
                bounds,
            )
        )
        session.execute(text(f"DELETE FROM {DEFAULT} WHERE timestamp >= :start AND timestamp < :end"), bounds)
        session.execute(text(f"ALTER TABLE events ATTACH PARTITION {name} FOR VALUES FROM ('{start}') TO ('{end}')"))
        session.execute(text(f"ALTER TABLE {name} DROP CONSTRAINT {name}_bound"))
        session.commit()
    except Exception:
        session.rollback()
        raise
    return Partition(name, month, moved)


def drop(session: Session, partition: Partition) -> None:
    """Drop one month's partition with everything in it, the ids of its events first.

    The ids go in one statement joined to the partition, so if it fails nothing is lost and a second
    run finds the month again. Dropping a partition takes ACCESS EXCLUSIVE on `events` for a moment;
    it waits at most LOCK_TIMEOUT for running queries and is retried, not queued behind them.
    """
    try:
        _maintenance(session)
        session.execute(
            text(
                f'DELETE FROM event_ids i USING "{partition.name}" e '
                "WHERE i.project_id = e.project_id AND i.message_id = e.message_id"
            )
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    _with_retries(session, _drop_table, partition.name)


def _drop_table(session: Session, name: str) -> None:
    try:
        _maintenance(session)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
        session.execute(text(f'DROP TABLE IF EXISTS "{name}"'))
        session.commit()
    except Exception:
        session.rollback()
        raise


def rows_by_project(session: Session, partition: Partition) -> dict[int, int]:
    """How many events each project holds in one partition."""
    _maintenance(session)
    rows = session.execute(text(f'SELECT project_id, count(*) FROM "{partition.name}" GROUP BY project_id'))
    return dict(rows.all())


def start_worker(
    app: Flask, stop: threading.Event | None = None, on_pass: Callable[[int | None], None] | None = None
) -> threading.Thread | None:
    """In `gapwise serve`, make the partitions that are due at start and then once a day, in a daemon
    thread; None on SQLite. `on_pass` hears of each pass: how many partitions it made, or None if it failed."""
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        return None
    stop = stop or threading.Event()
    report = on_pass or (lambda made: None)

    def loop():
        with app.app_context():
            while True:
                wait = EVERY_SECONDS
                try:
                    made_now = ensure(db.session, datetime.now(UTC))
                    for made in made_now:
                        log.info("made partition %s (%d events moved from %s)", made.name, made.rows, DEFAULT)
                    report(len(made_now))
                except Exception:  # a busy or absent database: try again soon
                    log.exception("making monthly partitions of events failed")
                    report(None)
                    wait = RETRY_SECONDS
                finally:
                    db.session.close()
                if stop.wait(wait):
                    return

    thread = threading.Thread(target=loop, name="gapwise-partitions", daemon=True)
    thread.start()
    return thread
