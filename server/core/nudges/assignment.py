"""Who is in which arm: each eligible person is assigned once, on the server, to treatment or holdout.

The arm is a pure function of the nudge and the unit (the person, or their account for a nudge whose unit is
the account): the first 8 bytes of SHA-256("<nudge id>:<unit>") as a number in [0, 1), under the holdout
share means holdout. It is stored when the person first becomes eligible, for both arms, whether or not the
nudge is ever displayed, so results compare everyone assigned (intention to treat). A person who is later
merged into another keeps the row of the person they joined (people.merge_people moves nothing here: the
identified person's own assignment, or a new one, holds).
"""

import hashlib
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import GapPeople, NudgeAssignment, Person, Segment
from ..segments import definitions as segments
from ..storage.sql import insert_ignoring_conflicts

TREATMENT, HOLDOUT = "treatment", "holdout"


class Targeted(Protocol):
    """A nudge, or its cached rule: what assignment reads of it."""

    @property
    def id(self) -> int: ...
    @property
    def project_id(self) -> int: ...
    @property
    def target(self) -> dict: ...
    @property
    def holdout(self) -> float: ...
    @property
    def unit(self) -> str: ...


def draw(nudge_id: int, unit: str) -> float:
    """A number in [0, 1) that only the nudge and the unit decide."""
    digest = hashlib.sha256(f"{nudge_id}:{unit}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def arm_of(nudge_id: int, unit: str, holdout: float) -> str:
    return HOLDOUT if draw(nudge_id, unit) < holdout else TREATMENT


def unit_of(nudge: Targeted, person: Person) -> str:
    """What is randomised: the person, or for an account-level nudge their account (people without one alone)."""
    if nudge.unit == "account" and person.account_id is not None:
        return f"account:{person.account_id}"
    return f"person:{person.id}"


def eligible(session: Session, nudge: Targeted, person: Person, now: datetime) -> bool:
    """Whether the person is in the nudge's target now: among a gap's stored people, a segment, or a stage."""
    target = nudge.target
    cached = getattr(nudge, "people", None)  # a cached rule carries the gap's people
    if "gap" in target and cached is not None:
        return person.id in cached
    if "gap" in target:
        ids = session.scalar(
            select(GapPeople.person_ids).where(
                GapPeople.project_id == nudge.project_id, GapPeople.gap_id == target["gap"]
            )
        )
        return person.id in set(ids or ())
    if "stage" in target:
        return person.stage == target["stage"]
    segment = session.scalar(
        select(Segment).where(Segment.project_id == nudge.project_id, Segment.key == target["segment"])
    )
    if segment is None:
        return False
    stmt = segments.person_ids_statement(nudge.project_id, segment.rules, now).where(Person.id == person.id)
    return session.scalar(stmt) is not None


def assign(session: Session, nudge: Targeted, person: Person, now: datetime) -> str:
    """The person's arm, stored now if this is the first time (the caller commits)."""
    row = {
        "project_id": nudge.project_id,
        "nudge_id": nudge.id,
        "person_id": person.id,
        "arm": arm_of(nudge.id, unit_of(nudge, person), nudge.holdout),
        "assigned_at": now,
    }
    insert_ignoring_conflicts(session, NudgeAssignment.__table__, [row], ["nudge_id", "person_id"])
    arm = session.scalar(
        select(NudgeAssignment.arm).where(NudgeAssignment.nudge_id == nudge.id, NudgeAssignment.person_id == person.id)
    )
    assert arm is not None  # inserted now or before
    return arm
