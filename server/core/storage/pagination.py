"""One page of a query in id order, with the opaque cursor of the next page (see schemas.pagination)."""

from sqlalchemy import Select
from sqlalchemy.orm import Session

from ...schemas.pagination import decode_cursor, encode_cursor


def page(session: Session, stmt: Select, id_column, limit: int, cursor: str | None) -> tuple[list, str | None]:
    """One page of `stmt` (which selects whole rows or entities) in id order, and the cursor of the next page."""
    rows = list(session.scalars(stmt.where(id_column > decode_cursor(cursor)).order_by(id_column).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(getattr(rows[-1], id_column.key))
