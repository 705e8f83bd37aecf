"""The database extension: one engine and session factory per app, portable column types."""

from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from flask import Flask, current_app, has_request_context, request
from sqlalchemy import JSON, BigInteger, DateTime, Engine, Integer, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

# JSON documents: JSONB on PostgreSQL (indexable), JSON text on SQLite.
JSONDoc = JSON().with_variant(JSONB(), "postgresql")
# 64-bit ids on PostgreSQL; SQLite only auto-increments an INTEGER primary key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def _json_dumps(value) -> str:
    return orjson.dumps(value).decode()


def make_engine(url: str, timeout_ms: int = 10_000) -> Engine:
    """Create an engine with the settings Gapwise relies on for each backend."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            json_serializer=_json_dumps,
            json_deserializer=orjson.loads,
            hide_parameters=True,
            connect_args={"check_same_thread": False},
        )
        _tune_sqlite(engine, timeout_ms)
        return engine
    # A slow or locked database answers within timeout_ms instead of holding the request.
    options = f"-c statement_timeout={int(timeout_ms)} -c lock_timeout={int(timeout_ms)}"
    # hide_parameters: errors are logged; the people's data in a batch must not be.
    return create_engine(
        url,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        hide_parameters=True,
        pool_size=5,
        max_overflow=5,
        pool_timeout=max(1, timeout_ms // 1000),
        connect_args={"connect_timeout": 5, "options": options},
    )


def _tune_sqlite(engine: Engine, timeout_ms: int) -> None:
    """WAL, foreign keys, and transactions we begin ourselves so writers can take the lock up front."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let the "begin" hook below issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        # A write transaction that read first would fail on a concurrent write (SQLITE_BUSY_SNAPSHOT);
        # BEGIN IMMEDIATE takes the write lock at the start and waits for it instead.
        immediate = conn.get_execution_options().get("write_lock")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_READS = ("GET", "HEAD", "OPTIONS")


@dataclass
class _State:
    engine: Engine
    sessions: scoped_session
    write_engine: Engine  # the same engine, its transactions taking the write lock up front


class Database:
    """Flask extension giving `db.session` (one per request) and `db.engine` for the current app."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"], app.config["DB_TIMEOUT_MS"])
        sessions = scoped_session(sessionmaker(bind=engine, expire_on_commit=False))
        app.extensions["gapwise.db"] = _State(engine, sessions, engine.execution_options(**write_lock_options()))

        @app.teardown_appcontext
        def remove_session(_exc):
            sessions.remove()

    @property
    def session(self) -> Session:
        """The request's session. In a request that may write (not GET, HEAD or OPTIONS) it is bound to the
        engine with `write_lock`, so each of its transactions takes SQLite's write lock when it begins and
        writers queue for it (busy timeout) instead of failing when a read turns into a write while another
        process writes (the ingest writer, say)."""
        state = current_app.extensions["gapwise.db"]
        session = state.sessions()
        if session.bind is state.engine and has_request_context() and request.method not in _READS:
            session.bind = state.write_engine
        return session

    @property
    def engine(self) -> Engine:
        return current_app.extensions["gapwise.db"].engine


db = Database()


def write_lock_options() -> dict:
    """Execution options for a transaction that will write (see _tune_sqlite)."""
    return {"write_lock": True}


def begin_write(session: Session) -> None:
    """End the read transaction a request may have begun (finding its key) and begin one holding the write lock."""
    if session.in_transaction():
        session.commit()
    session.connection(execution_options=write_lock_options())
