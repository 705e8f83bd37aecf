"""Nudge messages update the person's assignment: when the nudge was last shown, when they dismissed or
completed it, and which checklist steps they ticked off. Messages about a nudge the person was never
assigned (a holdout, a forged id, another project's nudge) only stay events."""

from datetime import datetime

from sqlalchemy import Row, bindparam, delete, select, update
from sqlalchemy.orm import Session

from ...models import Nudge, NudgeAssignment
from ..storage.sql import member_of

_ASSIGNMENTS = NudgeAssignment.__table__
_MAX_ID = 2**31


def record(session: Session, project_id: int, items: list[tuple[int, dict]]) -> None:
    """Fold the chunk's nudge messages (person id, message) into their assignments, one UPDATE for all."""
    changes: dict[tuple[int, int], dict] = {}
    for person, m in items:
        nudge = _nudge_id(m["nudgeId"])
        if nudge is None:
            continue
        change = changes.setdefault((nudge, person), {"shown": None, "finished": None, "steps": set()})
        ts = m["timestamp"]
        if m["action"] == "shown":
            change["shown"] = _latest(change["shown"], ts)
        elif m["action"] == "dismissed" or (m["action"] == "completed" and m["step"] is None):
            change["finished"] = _earliest(change["finished"], ts)
        elif m["action"] == "completed":
            change["steps"].add(m["step"])
    if not changes:
        return
    nudges = {n for n, _ in changes}
    step_ids = {
        n.id: [s["id"] for s in n.content.get("steps", [])]
        for n in session.scalars(select(Nudge).where(Nudge.project_id == project_id, Nudge.id.in_(nudges)))
    }
    rows = session.execute(
        select(_ASSIGNMENTS.c.id, _ASSIGNMENTS.c.nudge_id, _ASSIGNMENTS.c.person_id)
        .add_columns(_ASSIGNMENTS.c.shown_at, _ASSIGNMENTS.c.finished_at, _ASSIGNMENTS.c.steps)
        .where(
            _ASSIGNMENTS.c.project_id == project_id,
            _ASSIGNMENTS.c.nudge_id.in_(nudges),
            _ASSIGNMENTS.c.person_id.in_({p for _, p in changes}),
        )
    )
    updates = []
    for row in rows:
        found = changes.get((row.nudge_id, row.person_id))
        if found is None:
            continue
        change = found
        known = step_ids.get(row.nudge_id, [])
        done = set(row.steps or ()) | {s for s in change["steps"] if s in known}
        new = {
            "row": row.id,
            "shown": _latest(row.shown_at, change["shown"]),
            "finished": _earliest(row.finished_at, change["finished"]),
            "done": [s for s in known if s in done] or None,  # in the checklist's order
        }
        if (new["shown"], new["finished"], new["done"]) != (row.shown_at, row.finished_at, row.steps):
            updates.append(new)
    if updates:
        session.execute(
            update(_ASSIGNMENTS)
            .where(_ASSIGNMENTS.c.id == bindparam("row"))
            .values(shown_at=bindparam("shown"), finished_at=bindparam("finished"), steps=bindparam("done")),
            updates,
        )


def move_assignments(session: Session, merges: dict[int, int]) -> None:
    """Merged people (source -> target) keep their arms: for each nudge, the person who joined keeps the
    assignment made first among them and the people merged into them, so someone who saw a nudge before
    signing in is still in its treatment arm after."""
    targets = set(merges.values())
    rows = session.execute(
        select(_ASSIGNMENTS.c.id, _ASSIGNMENTS.c.nudge_id, _ASSIGNMENTS.c.person_id, _ASSIGNMENTS.c.assigned_at).where(
            member_of(_ASSIGNMENTS.c.person_id, sorted({*merges, *targets}))
        )
    ).all()
    first: dict[tuple[int, int], Row] = {}
    for row in sorted(rows, key=lambda r: (r.assigned_at, r.id)):
        first.setdefault((row.nudge_id, merges.get(row.person_id, row.person_id)), row)
    moved = [(key, row) for key, row in sorted(first.items()) if row.person_id in merges]
    if not moved:
        return
    for (nudge, target), _ in moved:  # the later assignment the target had gives way
        session.execute(
            delete(_ASSIGNMENTS).where(_ASSIGNMENTS.c.nudge_id == nudge, _ASSIGNMENTS.c.person_id == target)
        )
    session.execute(
        update(_ASSIGNMENTS).where(_ASSIGNMENTS.c.id == bindparam("row")).values(person_id=bindparam("to")),
        [{"row": row.id, "to": target} for (_, target), row in moved],
    )


def _nudge_id(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) < _MAX_ID else None


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)
