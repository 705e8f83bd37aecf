"""Writers storing records about the same people at once: made deterministic by a third connection
holding a lock.

Each batch is captured into the ingest log first; then one writer a record runs. On PostgreSQL the
writers take different records (SKIP LOCKED), run up to the held lock and then race; on SQLite they wait
for the write lock and run one after the other. Either way every record must land once, with the right
people and accounts.
"""

import sqlite3
import threading
import time
from contextlib import contextmanager

import orjson
import pytest
from sqlalchemy import text

from gapwise.core.ingest.writer import Writer
from gapwise.db import make_engine
from gapwise.models import Account, Event, IngestRecord, Person
from tests.helpers import app_for_tests, drain, message


@pytest.fixture
def patient_app(app):
    """The test app's database, with time to wait for the locks these tests hold."""
    patient = app_for_tests({**app.config, "DB_TIMEOUT_MS": 15_000})
    yield patient
    patient.extensions["gapwise.db"].engine.dispose()


@contextmanager
def held(app, backend, postgres_sql):
    """Hold a lock from another connection until the block ends."""
    url = app.config["DATABASE_URL"]
    if backend == "sqlite":
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        yield
        conn.execute("COMMIT")
        conn.close()
        return
    engine = make_engine(url)
    with engine.connect() as conn:
        conn.execute(text(postgres_sql))
        yield
        conn.commit()
    engine.dispose()


def capture(app, batches, messages) -> None:
    """Append a batch to the ingest log without storing it."""
    response = app.test_client(drain=False).post(
        "/v1/batch", data=orjson.dumps(batches.body(messages)), content_type="text/plain"
    )
    assert response.status_code == 200 and response.get_json()["accepted"] == len(messages)


def write_in_thread(app, results, name):
    def run():
        results[name] = Writer(app, chunk_messages=1).write_once()  # one record each

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.4)  # let it take its record and reach the held lock before the next one starts
    return thread


def race(app, backend, batches, postgres_sql, *batch_list):
    for messages in batch_list:
        capture(app, batches, messages)
    results = {}
    with held(app, backend, postgres_sql):
        threads = [write_in_thread(app, results, n) for n in range(len(batch_list))]
    for t in threads:
        t.join(20)
    assert results == dict.fromkeys(range(len(batch_list)), 1)
    assert batches.count(IngestRecord) == 0


def test_two_users_identifying_on_one_kiosk_at_once_stay_two_people(patient_app, backend, batches):
    batches.post([message("page", anonymousId="kiosk")])
    race(
        patient_app,
        backend,
        batches,
        "SELECT 1 FROM person_aliases WHERE anonymous_id = 'kiosk' FOR UPDATE",
        [message("identify", anonymousId="kiosk", userId="alice")],
        [message("identify", anonymousId="kiosk", userId="bob")],
    )
    assert sorted(p.user_id for p in batches.all(Person)) == ["alice", "bob"]
    assert batches.count(Event) == 3


def test_a_server_side_event_and_a_browser_sign_up_for_one_new_user(patient_app, backend, batches):
    batches.post([message("page", anonymousId="browser-1")])
    race(
        patient_app,
        backend,
        batches,
        "LOCK TABLE events IN SHARE MODE",
        [message(anonymousId=None, userId="u1")],
        [message("identify", anonymousId="browser-1", userId="u1")],
    )
    [person] = batches.all(Person)
    assert person.user_id == "u1"
    assert {e.person_id for e in batches.all(Event)} == {person.id}


def test_two_batches_creating_one_account_make_one_with_both_traits(patient_app, backend, batches):
    race(
        patient_app,
        backend,
        batches,
        "LOCK TABLE events IN SHARE MODE",
        [message("group", anonymousId=None, userId="u1", groupId="acme", traits={"plan": "pro"})],
        [message("group", anonymousId=None, userId="u2", groupId="acme", traits={"name": "Acme"})],
    )
    [account] = batches.all(Account)
    assert (account.name, account.plan) == ("Acme", "pro")
    assert account.traits == {"plan": "pro", "name": "Acme"}
    assert {p.account_id for p in batches.all(Person)} == {account.id}


def test_many_overlapping_batches_all_land(patient_app, backend, batches):
    """Browsers and servers sending about the same few people at once, stored by four writers: no 5xx,
    nothing lost, nothing counted twice."""
    results, threads = {}, []
    for n in range(8):
        sent = [message(anonymousId=f"a{(n + k) % 3}", userId=f"u{(n * k) % 2}" if k % 2 else None) for k in range(6)]
        sent.append(message("group", anonymousId=None, userId=f"u{n % 2}", groupId="acme", traits={"seats": n}))
        threads.append(
            threading.Thread(
                target=lambda s=sent, n=n: results.__setitem__(
                    n,
                    patient_app.test_client(drain=False)
                    .post("/v1/batch", data=orjson.dumps(batches.body(s)), content_type="text/plain")
                    .status_code,
                )
            )
        )
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == dict.fromkeys(range(8), 200)
    assert batches.count(IngestRecord) == 8
    writers = [Writer(patient_app, chunk_messages=7) for _ in range(4)]
    threads = [threading.Thread(target=w.drain, kwargs={"timeout": 30}) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(40)
    drain(patient_app)
    assert sum(w.stored for w in writers) == 8 * 7
    assert batches.count(Event) == 8 * 7
    assert batches.count(Account) == 1
