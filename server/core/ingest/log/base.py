"""What the ingest log's backends share: the record, the chunk a writer takes, the log's interface."""

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Record:
    """One request's accepted messages, as the writer receives them."""

    project_id: int
    payload: bytes
    ref: object = None  # the backend's handle: a row id, a JetStream message


class Chunk(Protocol):
    """Records taken from the log by one writer: gone from the log once `done` follows a commit."""

    records: list[Record]

    def done(self) -> None:
        """The chunk's writes are committed: forget the records (a JetStream ack; nothing for `sql`)."""

    def retry(self) -> None:
        """The chunk's writes were rolled back: let the records be taken again."""

    def remove(self, session: Session, record: Record) -> bool:
        """Take one record of a rolled-back chunk again, inside `session`; False if another writer has it."""


class IngestLog(Protocol):
    name: str

    def append(self, project_id: int, count: int, payload: bytes) -> None:
        """Store one record durably; return only once it is safe (committed, or acknowledged by the stream)."""

    def take(self, session: Session, max_messages: int, max_records: int) -> Chunk | None:
        """Take the oldest records not taken by another writer, up to the limits; None when there are none.

        `session` is the writer's transaction: the `sql` log deletes the records in it.
        """

    def idle(self) -> bool:
        """True when there is surely nothing to take: a cheap look that takes no lock, so an idle writer does
        not hold SQLite's write lock several times a second."""

    def pending(self, session: Session) -> int:
        """How many records wait, including those other writers hold but have not committed."""

    def close(self) -> None: ...
