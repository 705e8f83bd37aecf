"""The demo's nudge: a tooltip on alerts for the people its communication gap touches, launched two weeks
before now, with a planted effect (NUDGE_EFFECT: treatment people find alerts more often than the holdout),
so the demo's nudge page shows a measured lift with its interval and the gap's severity in each arm."""

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.gaps import people as gap_people
from ..core.gaps import report as gaps
from ..core.ingest.load import load
from ..core.nudges import definitions as nudges
from ..core.nudges import results
from ..core.nudges.assignment import TREATMENT, arm_of
from ..core.storage.sql import insert_ignoring_conflicts
from ..models import Nudge, NudgeAssignment, Person
from . import plan as demo_data

GAP = "communication:alerts:all"
DAYS = 14
NUDGE_EFFECT = {"treatment": 0.20, "holdout": 0.05}  # the share who find alerts after being assigned
MIN_EFFECT = 0.2


def plant(session: Session, project_id: int, now: datetime, seed: int = demo_data.SEED) -> int | None:
    """Launch the demo nudge once (None when it exists already or the gap is not flagged); return its id."""
    if session.scalar(select(Nudge.id).where(Nudge.project_id == project_id).limit(1)) is not None:
        return None
    report = gaps.evaluate(session, project_id, now)
    gap = next((g for g in report["gaps"] if g["key"] == GAP and g["flagged"]), None)
    if gap is None:
        return None
    nudge = nudges.create_nudge(session, project_id, {"gap": gap["id"], "status": "active", "minEffect": MIN_EFFECT})
    started = now - timedelta(days=DAYS)
    nudge.started_at = started
    rng = random.Random(seed)
    rows, messages = [], []
    ids = gap_people.affected(session, project_id, gap["id"])
    for person, user_id in session.execute(
        select(Person.id, Person.user_id).where(Person.id.in_(ids)).order_by(Person.id)
    ):
        arm = arm_of(nudge.id, f"person:{person}", nudge.holdout)
        assigned = started + timedelta(hours=rng.uniform(0, 24 * 7))
        rows.append(
            {"project_id": project_id, "nudge_id": nudge.id, "person_id": person, "arm": arm, "assigned_at": assigned}
        )
        if user_id and rng.random() < NUDGE_EFFECT[arm]:
            found = assigned + timedelta(hours=rng.uniform(1, 24 * 6))
            messages.append(
                {
                    "type": "track",
                    "messageId": f"demo-nudge-{nudge.id}-{person}",
                    "userId": user_id,
                    "timestamp": found.isoformat(),
                    "event": "feature_seen",
                    "properties": {"feature": "alerts"},
                    "context": {"nudge": nudge.id} if arm == TREATMENT else {},
                }
            )
    insert_ignoring_conflicts(session, NudgeAssignment.__table__, rows, ["nudge_id", "person_id"])
    session.commit()
    if messages:
        answer = load(session, project_id, messages, now)
        assert not answer["rejected"], answer["rejected"][:3]
        session.commit()
    results.results(session, project_id, nudge.id, now, record=True)
    return nudge.id
