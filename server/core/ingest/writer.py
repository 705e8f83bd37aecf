"""The writer: takes thousands of messages from the ingest log at a time and stores them in one transaction.

A chunk is stored set-based (core.ingest.store) and removed from the log in the same transaction (`sql`)
or acknowledged after the commit (`nats`), so a crash anywhere redelivers it, and messageIds make the
redelivery change nothing. Several writers may run: they take different records (SKIP LOCKED, a shared
durable consumer) and the messageId claim keeps a record stored twice from counting twice.

A record that cannot be stored even alone (a bug, not a busy database) is kept in `ingest_failures`
with its error instead of blocking the log; a database that is down or busy only delays the writer.
"""

import logging
import threading
import time
from datetime import datetime

import orjson
from flask import Flask
from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from ...db import db, write_lock_options
from ...errors import StorageUnavailable
from ...models import IngestFailure, Project
from ..storage.sql import is_write_conflict
from . import tombstones
from .log import Chunk, Record, ingest_log
from .store import store

log = logging.getLogger("gapwise.ingest.writer")
CONFLICT_RETRIES = 5
_NO_SUCH_TABLE = "42P01"
_MAX_RECORDS = 2000


def _kind(error: BaseException) -> str:
    """conflict (another writer: retry now), unavailable (the database: retry later) or broken (this data)."""
    if isinstance(error, DBAPIError) and is_write_conflict(error):
        return "conflict"
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout) or (
        isinstance(error, DBAPIError)
        and (error.connection_invalidated or getattr(error.orig, "sqlstate", None) == _NO_SUCH_TABLE)
    ):
        return "unavailable"  # a schema being migrated is not the data's fault
    return "broken"


class Unavailable(Exception):
    """The database (or the log) cannot be reached now; the records stay in the log."""


def decode(records: list[Record]) -> dict[int, list[dict]]:
    """The chunk's messages by project, in log order, timestamps as datetimes; a repeated messageId once."""
    by_project: dict[int, list[dict]] = {}
    seen: dict[int, set[str]] = {}
    for record in records:
        document = orjson.loads(record.payload)
        received = datetime.fromisoformat(document["received"])
        messages = by_project.setdefault(record.project_id, [])
        ids = seen.setdefault(record.project_id, set())
        for m in document["messages"]:
            if m["messageId"] in ids:
                continue
            ids.add(m["messageId"])
            m["timestamp"] = datetime.fromisoformat(m["timestamp"])
            m["received_at"] = received
            messages.append(m)
    return by_project


def store_records(session: Session, records: list[Record]) -> int:
    """Store the records' messages in the caller's transaction; return how many were new."""
    by_project = decode(records)
    alive = set(session.scalars(select(Project.id).where(Project.id.in_(by_project))))
    stored = 0
    for project_id in sorted(by_project):
        if project_id not in alive:  # the project was deleted after capture
            continue
        messages = tombstones.drop_erased(session, project_id, by_project[project_id])
        if messages:
            stored += len(store(session, project_id, messages))
    return stored


class Writer:
    """One writer of one app: `write_once` for a chunk, `drain` until the log is empty, `run` in a thread."""

    def __init__(self, app: Flask, chunk_messages: int | None = None):
        self.app = app
        self.chunk_messages = chunk_messages or app.config["INGEST_CHUNK_MESSAGES"]
        self.poll = app.config["INGEST_WRITER_POLL_MS"] / 1000
        self.stored = 0  # messages stored new by this writer
        self.failed = 0  # records moved to ingest_failures by this writer

    def write_once(self) -> int:
        """Store one chunk; return how many records it held (0: nothing to take now)."""
        with self.app.app_context():
            for attempt in range(1, CONFLICT_RETRIES + 1):
                try:
                    return self._chunk(isolate=attempt == CONFLICT_RETRIES)
                except DBAPIError as error:
                    if _kind(error) == "conflict" and attempt < CONFLICT_RETRIES:
                        continue  # another writer held some of the same people: the chunk was rolled back whole
                    raise Unavailable(str(error).splitlines()[0]) from error
                except PoolTimeout as error:
                    raise Unavailable(str(error)) from error
            raise AssertionError("unreachable")

    def _chunk(self, isolate: bool) -> int:
        if ingest_log(self.app).idle():
            return 0
        session = Session(db.engine, expire_on_commit=False)
        chunk: Chunk | None = None
        try:
            session.connection(execution_options=write_lock_options())
            chunk = ingest_log(self.app).take(session, self.chunk_messages, _MAX_RECORDS)
            if chunk is None:
                session.rollback()
                return 0
            try:
                stored = store_records(session, chunk.records)
                session.commit()
            except Exception as error:
                session.rollback()
                kind = _kind(error)
                if kind == "unavailable" or (kind == "conflict" and not isolate):
                    raise
                log.exception("a chunk of %d records failed; storing them one at a time", len(chunk.records))
                stored = self._one_at_a_time(chunk)
            chunk.done()
            self.stored += stored
            return len(chunk.records)
        except BaseException:
            session.rollback()
            if chunk is not None:
                chunk.retry()
            raise
        finally:
            session.close()

    def _one_at_a_time(self, chunk: Chunk) -> int:
        """After a chunk failed: store each record in its own transaction; keep the ones that fail alone."""
        stored = 0
        for record in chunk.records:
            with Session(db.engine, expire_on_commit=False) as session:
                session.connection(execution_options=write_lock_options())
                if not chunk.remove(session, record):
                    continue  # another writer took it meanwhile
                try:
                    stored += store_records(session, [record])
                    session.commit()
                    continue
                except Exception as error:
                    session.rollback()
                    if _kind(error) == "unavailable":
                        raise
                    reason = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:2000]
                    log.error("an ingest log record of project %s cannot be stored: %s", record.project_id, reason)
            with Session(db.engine, expire_on_commit=False) as session:
                session.connection(execution_options=write_lock_options())
                if chunk.remove(session, record):
                    alive = session.scalar(select(Project.id).where(Project.id == record.project_id))
                    session.execute(
                        insert(IngestFailure).values(project_id=alive, payload=record.payload, error=reason)
                    )
                    session.commit()
                    self.failed += 1
        return stored

    def pending(self) -> int:
        with self.app.app_context(), Session(db.engine) as session:
            return ingest_log(self.app).pending(session)

    def drain(self, timeout: float = 60.0) -> int:
        """Write until the log is empty (records other writers hold count as waiting); return records written."""
        deadline = time.monotonic() + timeout
        written = 0
        while True:
            took = self.write_once()
            written += took
            if took:
                continue
            if self.pending() == 0:
                return written
            if time.monotonic() > deadline:
                raise TimeoutError(f"the ingest log still holds {self.pending()} records after {timeout} s")
            time.sleep(0.01)  # another writer holds the rest until it commits

    def run(self, stop: threading.Event) -> None:
        """Write until `stop` is set: at once while there is more, every poll interval when idle."""
        backoff = self.poll
        while not stop.is_set():
            try:
                took = self.write_once()
                backoff = self.poll
            except (Unavailable, StorageUnavailable) as error:
                log.warning("ingest writer waiting for the database or the log: %s", error)
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            except Exception:
                log.exception("ingest writer failed; retrying")
                stop.wait(1.0)
                continue
            if not took:
                stop.wait(self.poll)


def start_writer(app: Flask, stop: threading.Event | None = None) -> threading.Thread | None:
    """Run a writer in a daemon thread of this process (until `stop` is set), unless GAPWISE_INGEST_WRITER=0."""
    if not app.config["INGEST_WRITER"]:
        return None
    thread = threading.Thread(
        target=Writer(app).run, args=(stop or threading.Event(),), name="gapwise-ingest-writer", daemon=True
    )
    thread.start()
    return thread
