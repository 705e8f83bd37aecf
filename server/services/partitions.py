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
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from ..db import db

AHEAD = 3
HISTORY_MONTHS = 120
DEFAULT = "events_default"
LOCK_TIMEOUT = "5s"
# Moving a month out of the default, counting a month or deleting its ids reads the whole month:
# longer than a request may take (DB_TIMEOUT_MS), so these transactions set their own bound.
STATEMENT_TIMEOUT = "1h"
EVERY_SECONDS = 24 * 3600
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


def is_partitioned(session: Session) -> bool:
    """Whether `events` is a partitioned table (PostgreSQL after migration 0007)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    return session.scalar(text("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass('events')")) is True


def listing(session: Session, count_rows: bool = False) -> list[Partition]:
    """The partitions of `events`, months in order then the default; with exact row counts if asked."""
    if not is_partitioned(session):
        return []
    names = session.scalars(text("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                 "WHERE i.inhparent = 'events'::regclass"))
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
    """Make the partitions of this month and the `ahead` after it, and of every recent month with rows
    in the default partition (moving those rows); return what was made, with the rows moved."""
    if not is_partitioned(session):
        return []
    session.commit()
    current = month_of(now)
    have = {p.month for p in listing(session)}
    wanted = {add_months(current, n) for n in range(ahead + 1)}
    wanted |= set(_months_in_default(session, add_months(current, -HISTORY_MONTHS)))
    made = [_split_out(session, month) for month in sorted(wanted - have)]
    return [p for p in made if p is not None]


def _maintenance(session: Session) -> None:
    """Bounds for this transaction: wait at most LOCK_TIMEOUT for a lock, run up to STATEMENT_TIMEOUT."""
    session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    session.execute(text(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'"))


def _months_in_default(session: Session, since: datetime) -> list[datetime]:
    _maintenance(session)
    rows = session.scalars(text(f"SELECT DISTINCT date_trunc('month', timestamp AT TIME ZONE 'UTC') "
                                f"FROM {DEFAULT} WHERE timestamp >= :since"), {"since": since})
    session.commit()
    return [m.replace(tzinfo=UTC) for m in rows]


def _split_out(session: Session, month: datetime) -> Partition | None:
    """Create one month's partition in a short transaction: the default is locked against inserts, that
    month's rows move out of it, and the new table is attached. None if another process made it first."""
    name, start, end = name_of(month), month.isoformat(), add_months(month, 1).isoformat()
    try:
        _maintenance(session)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
        if session.scalar(text("SELECT to_regclass(:name)"), {"name": name}) is not None:
            session.rollback()
            return None
        session.execute(text(f"LOCK TABLE {DEFAULT} IN EXCLUSIVE MODE"))
        session.execute(text(f"CREATE TABLE {name} (LIKE events INCLUDING DEFAULTS)"))
        bounds = {"start": month, "end": add_months(month, 1)}
        moved = session.execute(text(f"INSERT INTO {name} SELECT * FROM {DEFAULT} "
                                     "WHERE timestamp >= :start AND timestamp < :end"), bounds).rowcount
        session.execute(text(f"DELETE FROM {DEFAULT} WHERE timestamp >= :start AND timestamp < :end"), bounds)
        session.execute(text(f"ALTER TABLE events ATTACH PARTITION {name} FOR VALUES FROM ('{start}') TO ('{end}')"))
        session.commit()
    except Exception:
        session.rollback()
        raise
    return Partition(name, month, moved)


def drop(session: Session, partition: Partition) -> None:
    """Drop one month's partition with everything in it, and the ids of its events."""
    try:
        _maintenance(session)
        session.execute(text(f'DROP TABLE "{partition.name}"'))
        session.commit()
    except Exception:
        session.rollback()
        raise
    _maintenance(session)
    session.execute(text("DELETE FROM event_ids WHERE timestamp >= :start AND timestamp < :end"),
                    {"start": partition.month, "end": partition.end})
    session.commit()


def rows_by_project(session: Session, partition: Partition) -> dict[int, int]:
    """How many events each project holds in one partition."""
    _maintenance(session)
    rows = session.execute(text(f'SELECT project_id, count(*) FROM "{partition.name}" GROUP BY project_id'))
    return dict(rows.all())


def start_worker(app: Flask, stop: threading.Event | None = None) -> threading.Thread | None:
    """In `gapwise serve`, make the partitions that are due at start and then once a day, in a daemon
    thread; None on SQLite."""
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        return None
    stop = stop or threading.Event()

    def loop():
        with app.app_context():
            while True:
                try:
                    for made in ensure(db.session, datetime.now(UTC)):
                        log.info("made partition %s (%d events moved from %s)", made.name, made.rows, DEFAULT)
                except Exception:  # a busy or absent database: try again at the next pass
                    log.exception("making monthly partitions of events failed")
                finally:
                    db.session.close()
                if stop.wait(EVERY_SECONDS):
                    return

    thread = threading.Thread(target=loop, name="gapwise-partitions", daemon=True)
    thread.start()
    return thread
