"""The ingest log: what capture accepted and the writer has not stored yet, behind one small interface.

Two backends: `sql` (the default: a table in the app's database, SQLite or PostgreSQL) and `nats`
(a NATS JetStream stream replicated on a cluster, for scale-out and for accepting while the database
is down). A record is one accepted request: its project, how many messages, and the messages as JSON.
"""

import os
import threading

from flask import Flask, current_app

from .base import Chunk, IngestLog, Record

__all__ = ["Chunk", "IngestLog", "Record", "ingest_log", "open_log", "close_log"]


_lock = threading.Lock()


def ingest_log(app: Flask | None = None) -> IngestLog:
    """This process's ingest log, opened on first use (after a fork, the child opens its own)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    key = "gapwise.ingest_log"
    held = app.extensions.get(key)
    if held is None or held[0] != os.getpid():
        with _lock:
            held = app.extensions.get(key)
            if held is None or held[0] != os.getpid():
                held = (os.getpid(), open_log(app))
                app.extensions[key] = held
    return held[1]


def open_log(app: Flask) -> IngestLog:
    url = app.config["INGEST_LOG"]
    if url.startswith("nats://") or url.startswith("tls://"):
        from .nats import NatsLog  # nats-py is an optional extra

        return NatsLog(app)
    from .sql import SqlLog

    return SqlLog(app)


def close_log(app: Flask) -> None:
    held = app.extensions.pop("gapwise.ingest_log", None)
    if held is not None and held[0] == os.getpid():
        held[1].close()
