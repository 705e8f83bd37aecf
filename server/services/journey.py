"""Journey stages. Every person is in `trial` until the journey rules arrive; this is the one place that says so."""
from sqlalchemy.orm import Session

STAGES = ("trial", "aha", "activation", "adoption")


def stage_of(session: Session, person_id: int | None) -> str:
    """The person's journey stage now (stamped on every display and response)."""
    return "trial"
