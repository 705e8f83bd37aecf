"""Retention of raw events: remove those older than a cutoff, oldest month first.

On PostgreSQL, where `events` is partitioned by month (core.storage.partitions), a month wholly before
the cutoff is dropped as a table. What is left (a partial month when keeping days, one project's rows
with --project, rows in the default partition, and everything on SQLite) is deleted a bounded batch
at a time, each batch with its messageIds in `event_ids`.

Only `events` shrinks. Rollups (`feature_usage`, `activity`), people, journey stages, displays and
responses are aggregates or records of their own and stay; a later `gapwise rollups rebuild` (or a
feature edit, which rebuilds that feature's usage) recomputes from the events that remain, so it
loses the history before the cutoff.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ...db import begin_write
from ...models import Event, EventId, Project
from . import partitions
from .partitions import add_months as _add_months
from .partitions import month_of as _month_of

BATCH_ROWS = 10_000
_KEEP = re.compile(r"^\s*(\d+)\s*(day|days|month|months)\s*$")


@dataclass(frozen=True)
class Keep:
    """How much history to keep: a number of days or of whole calendar months."""

    count: int
    unit: str  # "days" | "months"

    def __str__(self) -> str:
        return f"{self.count}{self.unit if self.count != 1 else self.unit[:-1]}"


@dataclass(frozen=True)
class Removed:
    """Events of one project in one calendar month (UTC) before the cutoff, and the partition dropped
    with them if the month went whole."""

    project_id: int
    month: datetime
    events: int
    partition: str | None = None


def parse_keep(text: str) -> Keep:
    """Read `13months`, `1month`, `400days`; anything else, or zero, is refused with the accepted forms."""
    match = _KEEP.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"cannot read {text!r}: give a positive number of months or days, like 13months or 400days")
    count, unit = int(match.group(1)), match.group(2)
    if (unit.startswith("month") and count > 1200) or (unit.startswith("day") and count > 36_500):
        raise ValueError(f"{text!r} is more than a century; nothing would ever be removed")
    return Keep(count, "months" if unit.startswith("month") else "days")


def cutoff(keep: Keep, now: datetime) -> datetime:
    """The first instant kept. Months count whole calendar months: the current one plus keep−1 before it,
    so a month is removed whole, as dropping a monthly partition would; days count back from midnight UTC."""
    now = now.astimezone(UTC)
    if keep.unit == "days":
        return datetime(now.year, now.month, now.day, tzinfo=UTC) - timedelta(days=keep.count - 1)
    return _add_months(_month_of(now), -(keep.count - 1))


def purge(
    session: Session,
    before: datetime,
    project_id: int | None = None,
    dry_run: bool = False,
    batch_rows: int = BATCH_ROWS,
) -> list[Removed]:
    """Remove (or, dry, only count) the events stamped before `before`, oldest month first.

    Each dropped month and each batch is its own short transaction, so ingest is never blocked for
    long and an interrupted run keeps what it did; running it again resumes.
    """
    if not dry_run:
        partitions.ensure(session, datetime.now(UTC))  # rows parked in the default go to their month
    removed = [] if project_id is not None else _drop_months(session, before, dry_run)
    dropped = {r.month for r in removed}
    project_ids = (
        [project_id] if project_id is not None else list(session.scalars(select(Project.id).order_by(Project.id)))
    )
    for pid in project_ids:
        for start, end in _months(session, pid, before):
            scope = (Event.project_id == pid, Event.timestamp >= start, Event.timestamp < end)
            if dry_run and start in dropped:
                continue
            if dry_run:
                count = session.scalar(select(func.count()).select_from(Event).where(*scope))
            else:
                count = _delete_in_batches(session, pid, scope, batch_rows)
            if count:
                removed.append(Removed(pid, start, count))
    session.commit()
    return sorted(removed, key=lambda r: (r.project_id, r.month))


def _drop_months(session: Session, before: datetime, dry_run: bool) -> list[Removed]:
    """Drop (or, dry, count) the monthly partitions that end by the cutoff, all projects at once."""
    removed = []
    for partition in partitions.listing(session):
        end = partition.end  # None exactly when month is: the default partition
        if partition.month is None or end is None or end > before:
            continue
        counts = partitions.rows_by_project(session, partition)
        session.commit()
        if not dry_run:
            partitions.drop(session, partition)
        removed += [Removed(pid, partition.month, n, partition.name) for pid, n in sorted(counts.items())]
    return removed


def _delete_in_batches(session: Session, project_id: int, scope, batch_rows: int) -> int:
    total = 0
    while True:
        begin_write(session)
        ids = select(Event.id).where(*scope).limit(batch_rows).scalar_subquery()
        gone = list(session.scalars(delete(Event).where(*scope, Event.id.in_(ids)).returning(Event.message_id)))
        if gone:
            session.execute(delete(EventId).where(EventId.project_id == project_id, EventId.message_id.in_(gone)))
        session.commit()
        total += len(gone)
        if len(gone) < batch_rows:
            return total


def _months(session: Session, project_id: int, before: datetime) -> list[tuple[datetime, datetime]]:
    """The calendar months holding the project's events before the cutoff, the last one ending at it."""
    oldest = session.scalar(
        select(func.min(Event.timestamp)).where(Event.project_id == project_id, Event.timestamp < before)
    )
    months, start = [], _month_of(oldest) if oldest is not None else before
    while start < before:
        end = min(_add_months(start, 1), before)
        months.append((start, end))
        start = end
    return months
