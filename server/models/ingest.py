"""The ingest log (what capture accepted and the writer has not stored yet), its dead letters, and the
tombstones of erased people."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import BigId, UTCDateTime
from .base import Base, utcnow


class IngestRecord(Base):
    """One accepted /v1 request in the `sql` ingest log: its messages, validated and skew-corrected.

    Append-only: capture inserts one row a request, the writer deletes the rows it stored in the same
    transaction as the rows it wrote (core.ingest.log.sql).
    """

    __tablename__ = "ingest_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    messages: Mapped[int] = mapped_column(Integer)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IngestFailure(Base):
    """A log record the writer could not store even alone: kept with the error, never dropped silently."""

    __tablename__ = "ingest_failures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    error: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Erasure(Base):
    """A tombstone: the SHA-256 of an erased person's user id, anonymous id or message id.

    The writer drops messages that name one, so a replay of an erased person's old batches does not
    bring them back; only digests are kept, and only for ERASURE_TOMBSTONE_DAYS.
    """

    __tablename__ = "erasures"
    __table_args__ = (Index("ix_erasures_erased_at", "erased_at"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
