"""The `sql` ingest log: an append-only table in the app's own database (the embedded default).

Capture inserts one row a request in its own short transaction. A writer deletes the rows it takes
inside the transaction that stores their messages, so they are gone exactly when their writes commit;
on PostgreSQL `FOR UPDATE SKIP LOCKED` lets several writers take different rows, and on SQLite the
writer's BEGIN IMMEDIATE makes them take turns.
"""

from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ....db import db, write_lock_options
from ....models import IngestRecord
from ....models.base import utcnow
from .base import Record

_LOG = IngestRecord.__table__
_GUESS_PER_RECORD = 50  # a server-side sender's batch; browsers send fewer, and the next page adapts
_MAX_PAGE = 500


@dataclass
class _Chunk:
    records: list[Record] = field(default_factory=list)

    def done(self) -> None:
        pass  # deleted in the writer's transaction

    def retry(self) -> None:
        pass  # the rollback put them back

    def remove(self, session: Session, record: Record) -> bool:
        locked = select(_LOG.c.id).where(_LOG.c.id == record.ref)
        if session.get_bind().dialect.name == "postgresql":
            locked = locked.with_for_update(skip_locked=True)
        return (
            session.execute(delete(_LOG).where(_LOG.c.id.in_(locked.scalar_subquery())).returning(_LOG.c.id)).first()
            is not None
        )


class SqlLog:
    name = "sql"

    def __init__(self, app: Flask):
        self.app = app

    def append(self, project_id: int, count: int, payload: bytes) -> None:
        with self.app.app_context(), db.engine.connect() as conn:
            conn = conn.execution_options(**write_lock_options())
            with conn.begin():
                conn.execute(
                    insert(_LOG).values(project_id=project_id, messages=count, payload=payload, created_at=utcnow())
                )

    def take(self, session: Session, max_messages: int, max_records: int) -> _Chunk | None:
        """Lock the oldest free records a page at a time (pages sized by the records seen so far, so a
        writer holds few it will not take), then delete them; their messages come back with them."""
        postgresql = session.get_bind().dialect.name == "postgresql"
        ids: list[int] = []
        total, after, per_record = 0, 0, _GUESS_PER_RECORD
        while total < max_messages and len(ids) < max_records:
            page = min(max_records - len(ids), max(1, -(-(max_messages - total) // per_record)), _MAX_PAGE)
            query = select(_LOG.c.id, _LOG.c.messages).where(_LOG.c.id > after).order_by(_LOG.c.id).limit(page)
            if postgresql:
                query = query.with_for_update(skip_locked=True)
            rows = session.execute(query).all()
            for row in rows:
                ids.append(row.id)
                total += row.messages
            if len(rows) < page:
                break
            after, per_record = rows[-1].id, max(1, total // len(ids))
        if not ids:
            return None
        taken = session.execute(
            delete(_LOG).where(_LOG.c.id.in_(ids)).returning(_LOG.c.id, _LOG.c.project_id, _LOG.c.payload)
        ).all()
        return _Chunk([Record(r.project_id, bytes(r.payload), r.id) for r in sorted(taken, key=lambda r: r.id)])

    def idle(self) -> bool:
        with self.app.app_context(), db.engine.connect() as conn:
            return conn.execute(select(_LOG.c.id).limit(1)).first() is None

    def pending(self, session: Session) -> int:
        return session.scalar(select(func.count()).select_from(_LOG)) or 0

    def close(self) -> None:
        pass
