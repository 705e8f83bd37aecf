"""One page of a query in id order, with the opaque cursor of the next page (see schemas.pagination)."""

from sqlalchemy import BigInteger, Select
from sqlalchemy.orm import Session

from ...schemas.pagination import decode_cursor, encode_cursor


def page(
    session: Session, stmt: Select, id_column, limit: int, cursor: str | None, newest_first: bool = False
) -> tuple[list, str | None]:
    """One page of `stmt` (which selects whole rows or entities) in id order (or its reverse), and the cursor of
    the next page. Newest first, a cursor points before the last id seen, so rows arriving meanwhile never
    shift the pages being read."""
    after = decode_cursor(cursor)
    if newest_first:
        bounded = stmt.where(id_column < after) if cursor is not None else stmt
        rows = list(session.scalars(bounded.order_by(id_column.desc()).limit(limit + 1)))
    elif after >= (2**63 - 1 if isinstance(id_column.type, BigInteger) else 2**31 - 1):
        return [], None  # past the largest id the column holds: nothing comes after (and the database is spared)
    else:
        rows = list(session.scalars(stmt.where(id_column > after).order_by(id_column).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(getattr(rows[-1], id_column.key))
