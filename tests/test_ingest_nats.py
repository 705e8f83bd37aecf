"""The `nats` ingest log on real nats-server processes: capture through a stream of three replicas, a server
killed mid-run, capture while the database is out of reach, and records whose writer died or rolled back.

Each test has a stream of its own; the tests that kill nothing share one three-server cluster.
"""

import os
import threading
import time
import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bench.nats_cluster import NATS_SERVER, running_cluster
from gapwise.config import SettingsError
from gapwise.core.ingest.log import close_log, ingest_log
from gapwise.core.ingest.writer import Writer, store_records
from gapwise.db import db
from gapwise.models import Event
from tests.helpers import Batches, ProjectKeys, app_for_tests, drain, free_port, message

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(NATS_SERVER), reason="nats-server is not installed"),
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Three JetStream servers for the tests that do not kill one."""
    with running_cluster(tmp_path_factory.mktemp("nats")) as cluster:
        yield cluster


@pytest.fixture
def stream():
    return f"GW_TEST_{uuid.uuid4().hex[:12].upper()}"


@pytest.fixture
def nats_app(app, stream):
    """Make apps on the test database whose ingest log is this test's stream on `servers`; closed after."""
    made = []

    def make(servers: str, database_url: str | None = None, **config):
        made.append(
            app_for_tests(
                {
                    "TESTING": True,
                    "SECRET_KEY": "test",
                    "DB_TIMEOUT_MS": 2000,
                    "DATABASE_URL": database_url or app.config["DATABASE_URL"],
                    "INGEST_LOG": servers,
                    "INGEST_NATS_STREAM": stream,
                    "INGEST_NATS_REPLICAS": 3,
                    **config,
                }
            )
        )
        return made[-1]

    yield make
    for made_app in made:
        close_log(made_app)
        made_app.extensions["gapwise.db"].sessions.remove()
        made_app.extensions["gapwise.db"].engine.dispose()


def batches_of(count: int, size: int = 10) -> list[list[dict]]:
    return [[message(anonymousId=f"anon-{b % 7}") for _ in range(size)] for b in range(count)]


def post_all(app, project, sent) -> None:
    batches = Batches(app, app.test_client(drain=False), project)
    for batch in sent:
        response = batches.post(batch)
        assert response.status_code == 200, response.get_json()


def message_ids(sent) -> list[str]:
    return sorted(m["messageId"] for batch in sent for m in batch)


def stored_ids(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(Event.message_id)))


def stream_info(cluster, stream):
    return cluster.jetstream(lambda js: js.stream_info(stream))


def take(log, records: int) -> list:
    """The chunks a writer takes until it holds `records` records (a fetch may end before all have come)."""
    chunks, deadline = [], time.monotonic() + 10
    while sum(len(c.records) for c in chunks) < records and time.monotonic() < deadline:
        chunk = log.take(None, 5000, 2000)
        chunks += [chunk] if chunk else []
    return chunks


def payloads(chunks) -> list[bytes]:
    return sorted(r.payload for chunk in chunks for r in chunk.records)


def set_ack_wait(cluster, stream: str, seconds: float) -> None:
    """As an operator would with `nats consumer edit`: the writers' consumer redelivers after `seconds`."""

    async def edit(js):
        config = (await js.consumer_info(stream, f"{stream}_writer")).config
        config.ack_wait = seconds
        await js.add_consumer(stream, config)

    cluster.jetstream(edit)


def test_capture_appends_to_a_stream_of_three_replicas_and_the_writer_stores_each_event_once(nats_app, cluster, stream):
    app = nats_app(cluster.url)
    project = ProjectKeys(app)
    sent = batches_of(20)
    post_all(app, project, sent + sent[:1])  # the last: a client's retry after a lost answer

    info = stream_info(cluster, stream)
    assert info.config.num_replicas == 3
    # An append is acknowledged once a majority stored it: the third replica catches up a moment later.
    deadline = time.monotonic() + 15
    while not all(peer.current for peer in info.cluster.replicas) and time.monotonic() < deadline:
        time.sleep(0.2)
        info = stream_info(cluster, stream)
    assert len(info.cluster.replicas) == 2 and all(peer.current for peer in info.cluster.replicas)  # + the leader
    assert info.state.messages == 21
    assert drain(app) == 21
    assert stored_ids(app) == message_ids(sent)
    assert stream_info(cluster, stream).state.messages == 0  # acknowledged: gone from the work queue


class Sender(threading.Thread):
    """A tracker: posts its batches in order through a client of its own, sending a batch again after a 503."""

    def __init__(self, app, project, sent):
        super().__init__(daemon=True)
        self.batches = Batches(app, app.test_client(drain=False), project)
        self.sent, self.answered, self.unavailable, self.refused = sent, 0, 0, []

    def run(self):
        for batch in self.sent:
            while (response := self.batches.post(batch)).status_code == 503:
                self.unavailable += 1
                time.sleep(0.2)
            if response.status_code != 200:
                self.refused.append(response.status_code)
            self.answered += 1
            time.sleep(0.02)  # a tracker sends on a timer


def test_a_server_killed_mid_run_loses_and_duplicates_no_event(nats_app, stream, tmp_path):
    with running_cluster(tmp_path / "nats") as cluster:
        app = nats_app(cluster.url)
        project = ProjectKeys(app)
        assert Writer(app).pending() == 0  # the stream and the writers' consumer exist now
        set_ack_wait(cluster, stream, 2)  # acks the killed server took are lost: their records come back soon
        sent = batches_of(60)
        sender, stop = Sender(app, project, sent), threading.Event()
        writer = threading.Thread(target=Writer(app).run, args=(stop,), daemon=True)
        sender.start()
        writer.start()
        deadline = time.monotonic() + 20
        while sender.answered < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        leader = stream_info(cluster, stream).cluster.leader
        started = time.monotonic()
        cluster.kill(leader)
        assert sender.answered < len(sent)  # mid-run
        sender.join(60)
        stop.set()
        writer.join(10)
        assert not sender.is_alive() and sender.answered == 60 and sender.refused == []
        cluster.wait_for_leaders(stream, f"{stream}_writer")
        drain(app)
        stored = stored_ids(app)
        assert stored == message_ids(sent)  # none lost, none twice
        assert stream_info(cluster, stream).cluster.leader != leader
        print(
            f"\nkilled the stream leader {leader}: {sender.unavailable} answers of 503 were retried; "
            f"the rest of the run took {time.monotonic() - started:.1f} s"
        )


def test_capture_answers_while_the_database_is_out_of_reach(nats_app, cluster):
    """Capture needs no database with the nats log: a write key looked up a moment ago is enough."""
    app = nats_app(cluster.url)
    project = ProjectKeys(app)
    sent = batches_of(5)
    post_all(app, project, sent[:1])
    nowhere = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone"  # connections are refused
    offline = nats_app(cluster.url, database_url=nowhere)
    offline.extensions["gapwise.key_cache"] = app.extensions["gapwise.key_cache"]  # as if the same process
    with offline.app_context(), pytest.raises(OperationalError):
        db.session.execute(text("SELECT 1"))

    post_all(offline, project, sent[1:])
    drain(app)
    assert stored_ids(app) == message_ids(sent)


@pytest.mark.parametrize("committed", [False, True], ids=["before-commit", "after-commit"])
def test_records_a_dead_writer_held_come_back_after_the_ack_wait_and_are_stored_once(
    nats_app, cluster, stream, committed
):
    app = nats_app(cluster.url)
    project = ProjectKeys(app)
    sent = batches_of(10)
    post_all(app, project, sent)
    set_ack_wait(cluster, stream, 2)
    crashed = nats_app(cluster.url)  # another process's writer
    held = [r for chunk in take(ingest_log(crashed), 10) for r in chunk.records]
    assert len(held) == 10
    if committed:
        with crashed.app_context(), Session(db.engine) as session:
            store_records(session, held)
            session.commit()
    close_log(crashed)  # it dies before it acknowledges

    writer = Writer(app)
    assert writer.write_once() == 0 and writer.pending() == 10  # held by the dead writer until the ack wait
    assert writer.drain(timeout=20) >= 10  # more when a record came back twice: it waited past the ack wait
    assert writer.stored == (0 if committed else 100)  # a redelivery of stored messages changes nothing
    assert stored_ids(app) == message_ids(sent)


def test_records_of_a_rolled_back_chunk_are_taken_again_at_once(nats_app, cluster):
    app = nats_app(cluster.url)
    project = ProjectKeys(app)
    sent = batches_of(5)
    post_all(app, project, sent)
    log = ingest_log(app)
    held = take(log, 5)
    assert len(payloads(held)) == 5
    assert log.take(None, 5000, 2000) is None  # no other writer gets them meanwhile
    for chunk in held:
        chunk.retry()

    started = time.monotonic()
    again = take(log, 5)
    assert payloads(again) == payloads(held)
    for chunk in again:
        chunk.retry()
    assert drain(app) == 5
    assert time.monotonic() - started < 10  # not the minute of the ack wait
    assert stored_ids(app) == message_ids(sent)


def test_unreachable_nats_answers_503_within_the_timeout(nats_app):
    app = nats_app(f"nats://127.0.0.1:{free_port()}", INGEST_NATS_TIMEOUT_SECONDS=0.5)
    project = ProjectKeys(app)
    started = time.monotonic()
    response = Batches(app, app.test_client(drain=False), project).post([message()])
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.get_json()["code"] == "storage_unavailable"
    assert time.monotonic() - started < 3


def test_more_replicas_than_servers_is_a_setting_to_fix(nats_app, tmp_path):
    with running_cluster(tmp_path / "nats", size=1) as server:
        with pytest.raises(SettingsError, match="GAPWISE_INGEST_NATS_REPLICAS"):
            ingest_log(nats_app(server.url)).pending(None)
        app = nats_app(server.url, INGEST_NATS_REPLICAS=1)
        sent = batches_of(3)
        post_all(app, ProjectKeys(app), sent)
        assert drain(app) == 3
        assert stored_ids(app) == message_ids(sent)
