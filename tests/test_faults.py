"""Faults against `gapwise serve` in its own process: a server killed mid-run (its writers too), a locked
database, a locked ingest log.

A reduced bench/faults.py; the PostgreSQL stop and start is bench-only (the suite shares the server).
"""

import sqlite3
import time
from contextlib import contextmanager

import orjson
import psycopg
import pytest
import requests
from sqlalchemy.engine import make_url

from bench.faults import Sender, Server, run_senders
from gapwise.models import Event, IngestRecord
from tests.helpers import drain, free_port, message

pytestmark = pytest.mark.slow


@pytest.fixture
def start_server(app):
    """Start `gapwise serve` (gunicorn, 2 workers) on the test database, with extra environment; stopped after."""
    servers = []

    def start(**env) -> Server:
        server = Server(app.config["DATABASE_URL"], free_port(), 2, {"GAPWISE_SECRET_KEY": "test", **env})
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


def bodies(write_key: str, client: int, batches: int, size: int) -> list[bytes]:
    """One browser tab's batches, each message with its own messageId."""
    return [
        orjson.dumps(
            {
                "writeKey": write_key,
                "sentAt": "2026-11-23T10:00:00.000Z",
                "batch": [message(anonymousId=f"anon-{client}", properties={"n": b * size + i}) for i in range(size)],
            }
        )
        for b in range(batches)
    ]


def sent_ids(all_bodies) -> list[str]:
    return [m["messageId"] for bodies_ in all_bodies for body in bodies_ for m in orjson.loads(body)["batch"]]


def stored_ids(batches) -> list[str]:
    """What is stored once every writer has caught up (the server's, and one of the test's own)."""
    drain(batches.app)
    return [e.message_id for e in batches.all(Event)]


def test_a_server_killed_mid_run_and_restarted_stores_every_event_once(start_server, project, batches):
    server = start_server()
    all_bodies = [bodies(project.write_key, c, 10, 10) for c in range(3)]  # 300 events in 30 batches
    senders = [Sender(server.port, b, time.monotonic() + 30, base_delay=0.05, max_delay=0.5) for b in all_bodies]

    def crash():
        server.kill()  # the master and its workers, SIGKILL: requests in flight get no answer
        server.start()

    run_senders(senders, crash, at=0.3)
    assert sum(s.retries["network"] for s in senders) > 0  # the clients did see the server go
    assert sum(s.dropped + s.unsent for s in senders) == 0
    stored = stored_ids(batches)
    assert len(stored) == len(set(stored)) == 300
    assert set(stored) == set(sent_ids(all_bodies))


@contextmanager
def write_lock(url: str, tables: str):
    """Another connection holding SQLite's write lock, or PostgreSQL's locks on `tables`, until the block ends."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(make_url(url).database, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.rollback()
            conn.close()
        return
    with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(False)) as conn:
        conn.execute(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            conn.rollback()


def test_a_locked_ingest_log_answers_503_within_the_timeout_and_the_retry_stores_once(
    start_server, app, project, batches
):
    server = start_server(GAPWISE_DB_TIMEOUT_MS="500")
    url = f"http://127.0.0.1:{server.port}/v1/batch"
    body = orjson.dumps(batches.body([message() for _ in range(10)]))
    headers = {"Content-Type": "application/json"}
    with write_lock(app.config["DATABASE_URL"], "ingest_log"):
        started = time.perf_counter()
        response = requests.post(url, data=body, headers=headers, timeout=10)
        elapsed = time.perf_counter() - started
        assert response.status_code == 503
        assert response.json()["code"] == "storage_unavailable"
        assert response.headers["Retry-After"]
        assert elapsed < 3  # bounded by GAPWISE_DB_TIMEOUT_MS, not by the lock
    assert batches.count(Event) == 0

    retried = requests.post(url, data=body, headers=headers, timeout=10)
    assert retried.status_code == 200 and retried.json()["accepted"] == 10
    again = requests.post(url, data=body, headers=headers, timeout=10)  # an answer lost on the way: sent again
    assert again.status_code == 200 and again.json()["accepted"] == 10
    stored = stored_ids(batches)
    assert len(stored) == len(set(stored)) == 10


def test_on_postgresql_capture_keeps_answering_while_people_and_events_are_locked(start_server, app, backend, batches):
    """Capture only appends to the log: a long lock on the tables the writer needs delays the writer, not
    the browsers."""
    if backend != "postgresql":
        pytest.skip("SQLite has one write lock for the whole file")
    server = start_server(GAPWISE_DB_TIMEOUT_MS="500")
    url = f"http://127.0.0.1:{server.port}/v1/batch"
    sent = [batches.body([message() for _ in range(10)]) for _ in range(5)]
    with write_lock(app.config["DATABASE_URL"], "people, events"):
        answers = [requests.post(url, data=orjson.dumps(body), timeout=10) for body in sent]
        assert [a.status_code for a in answers] == [200] * 5
        assert batches.count(IngestRecord) == 5  # waiting in the log for the writers
    stored = stored_ids(batches)
    assert len(stored) == len(set(stored)) == 50
