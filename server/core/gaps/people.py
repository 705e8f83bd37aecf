"""The people a gap touches, as its latest evaluation stored them (report._keep_people)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import NotFound
from ...models import Gap, GapPeople


def affected(session: Session, project_id: int, gap_id: int) -> list[int]:
    """The ids of the people the project's gap touches (none once it closed), or NotFound for a gap of another
    project or none."""
    if session.scalar(select(Gap.id).where(Gap.project_id == project_id, Gap.id == gap_id)) is None:
        raise NotFound(f"No gap with id {gap_id}.")
    ids = session.scalar(
        select(GapPeople.person_ids).where(GapPeople.project_id == project_id, GapPeople.gap_id == gap_id)
    )
    return list(ids or [])
