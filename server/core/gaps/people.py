"""The people a gap touches, as its latest evaluation stored them (report._keep_people)."""

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ...errors import NotFound
from ...models import Gap, GapPerson


def affected(session: Session, project_id: int, gap_id: int) -> Select:
    """The ids of the people the project's gap touches, or NotFound for a gap of another project or none."""
    if session.scalar(select(Gap.id).where(Gap.project_id == project_id, Gap.id == gap_id)) is None:
        raise NotFound(f"No gap with id {gap_id}.")
    return select(GapPerson.person_id).where(GapPerson.project_id == project_id, GapPerson.gap_id == gap_id)
