"""Scheduled evaluation: every project's current gap window every GAP_EVALUATION_MINUTES, and each window
once more right after it ends (the first pass after midnight UTC), then the verdicts of its running nudges,
so webhooks (gap.flagged, gap.closed, nudge.verdict) go out with nobody reading.

Every `gapwise serve` worker process and `gapwise worker` runs the loop. A process evaluates a project
only after claiming it: a guarded UPDATE of the project's `gap_schedule` row that moves `evaluated_at`
on, which matches for one process only (PostgreSQL re-checks the guard after the row lock; SQLite has
one writer at a time), so processes take turns and a period evaluates each project once.
"""

import logging
import threading
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ...db import begin_write, db
from ...models import Project
from ...models.base import utcnow
from ...models.gaps import GapSchedule
from ..gaps import report
from ..nudges import results as nudge_results
from ..storage.sql import day_number, insert_ignoring_conflicts, rowcount

POLL_SECONDS = 60.0
log = logging.getLogger(__name__)


def run_once(session: Session, now: datetime, minutes: int) -> list[int]:
    """Evaluate every project that is due at `now` (and claimed by this process); return their ids."""
    evaluated = []
    for project_id in _due(session, now, minutes):
        try:
            if evaluate_project(session, project_id, now, minutes):
                evaluated.append(project_id)
        except Exception:  # one project's failure must not stop the others
            session.rollback()
            log.exception("evaluating the gaps of project %s failed", project_id)
    return evaluated


def evaluate_project(session: Session, project_id: int, now: datetime, minutes: int) -> bool:
    """Claim the project's pass and evaluate it: the window that ended at midnight first when the day
    changed since the last pass, then the current window. False if it was not due or another process
    claimed it."""
    ended = _claim(session, project_id, now, minutes)
    if ended is None:
        return False
    if ended:
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        report.evaluate(session, project_id, midnight - timedelta(microseconds=1))
    report.evaluate(session, project_id, now)
    nudge_results.record_verdicts(session, project_id, now)
    return True


def _due(session: Session, now: datetime, minutes: int) -> list[int]:
    """Projects whose last pass is older than the period, on an earlier day, or never happened (a read)."""
    rows = session.execute(
        select(Project.id, GapSchedule.evaluated_at, GapSchedule.day)
        .outerjoin(GapSchedule, GapSchedule.project_id == Project.id)
        .order_by(Project.id)
    ).all()
    session.rollback()
    cutoff, today = now - timedelta(minutes=minutes), day_number(now)
    return [
        pid
        for pid, at, day in rows
        if at is None or day is None or at <= cutoff or day < today or at > now + timedelta(minutes=minutes)
    ]


def _claim(session: Session, project_id: int, now: datetime, minutes: int) -> bool | None:
    """Move the project's row on to `now` if it is still due; None if it was not (another process got
    there first), else whether a window ended since the last pass. Commits."""
    begin_write(session)
    table = GapSchedule.__table__
    insert_ignoring_conflicts(session, table, [{"project_id": project_id}], ["project_id"])
    today = day_number(now)
    last_day = session.scalar(select(GapSchedule.day).where(GapSchedule.project_id == project_id))
    claimed = session.execute(
        update(GapSchedule)
        .where(
            GapSchedule.project_id == project_id,
            or_(
                GapSchedule.evaluated_at.is_(None),
                GapSchedule.day.is_(None),
                GapSchedule.evaluated_at <= now - timedelta(minutes=minutes),
                GapSchedule.evaluated_at > now + timedelta(minutes=minutes),  # a clock set back
                GapSchedule.day < today,
            ),
        )
        .values(evaluated_at=now, day=today)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if rowcount(claimed) != 1:
        return None
    return last_day is not None and last_day < today


def start_scheduler(app: Flask, stop: threading.Event | None = None) -> threading.Thread | None:
    """Run the evaluation loop in a daemon thread of this process (until `stop` is set), unless
    GAPWISE_GAP_SCHEDULER=false."""
    if not app.config["GAP_SCHEDULER"]:
        return None
    stop = stop or threading.Event()
    minutes = int(app.config["GAP_EVALUATION_MINUTES"])

    def loop():
        with app.app_context():
            while True:
                try:
                    run_once(db.session, utcnow(), minutes)
                except Exception:  # a busy or absent database: try again at the next poll
                    log.exception("scheduled gap evaluation failed")
                    db.session.rollback()
                finally:
                    db.session.close()
                if stop.wait(min(POLL_SECONDS, minutes * 60)):
                    return

    thread = threading.Thread(target=loop, name="gapwise-gap-scheduler", daemon=True)
    thread.start()
    return thread
