"""Journey stages. Every person is in `trial` until the journey rules arrive; this is the one place that says so."""
from sqlalchemy import ColumnElement, String, literal
from sqlalchemy.orm import Session

STAGES = ("trial", "aha", "activation", "adoption")


def stage_of(session: Session, person_id: int | None) -> str:
    """The person's journey stage now (stamped on every display and response)."""
    return "trial"


def stage_expression() -> ColumnElement[str]:
    """The journey stage of a `people` row in SQL: the twin of stage_of, for segments evaluated in SQL."""
    return literal("trial", String)
