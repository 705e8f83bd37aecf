"""Raw events, one row per accepted message, and the messageIds that make storing them idempotent."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import BigId, JSONDoc, UTCDateTime
from .base import Base, utcnow


class Event(Base):
    """One message from /v1/batch. Written in bulk by the ingest service, never one ORM object at a time.

    On PostgreSQL the table is partitioned by calendar month of `timestamp` (migration 0007,
    core.storage.partitions), so its primary key there is (id, timestamp), and retention drops whole
    months. A partitioned table cannot hold a unique index on (project_id, message_id) alone, so
    retries are absorbed by `event_ids`, written first in the same transaction.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_project_id_timestamp", "project_id", "timestamp"),
        Index("ix_events_person_id_timestamp", "person_id", "timestamp"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    # track | identify | group | page | survey
    type: Mapped[str] = mapped_column(String(16))
    # The event name for track, the path for page, the group id for group, the action for survey.
    name: Mapped[str | None] = mapped_column(String(200))
    properties: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    context: Mapped[dict | None] = mapped_column(JSONDoc)
    # The client's time corrected for clock skew, and the server's time of receipt.
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EventId(Base):
    """The messageId of every stored event: its primary key is what turns a retry into a no-op.

    A row holds its event's `timestamp`, so retention removes the ids of exactly the events it removes
    and the two tables always name the same messages.
    """

    __tablename__ = "event_ids"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
