"""Monthly partitions of events (PostgreSQL) and the event_ids that keep ingest idempotent (both databases)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from gapwise.core.people import records as person_records
from gapwise.core.storage import partitions, retention
from gapwise.db import db
from gapwise.models import Event, EventId, Person
from tests.helpers import BACKENDS, message, utc

POSTGRES = [b for b in BACKENDS if b == "postgresql"]
NOW = datetime.now(UTC)
RECENT = (NOW - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
OLD = ["2024-01-15T10:00:00.000Z", "2024-02-10T10:00:00.000Z", "2024-02-29T23:59:59.000Z"]
ANCIENT = "2012-05-01T10:00:00.000Z"  # more than HISTORY_MONTHS ago: stays in the default partition


def post(batches, stamps, write_key=None, sent_at=None, ids=None) -> list[dict]:
    """Post one message per timestamp (uncorrected without sentAt); return the messages sent."""
    sent = [
        message(timestamp=t, **({"messageId": i} if i else {}))
        for t, i in zip(stamps, ids or [None] * len(stamps), strict=True)
    ]
    batches.post(sent, write_key=write_key, sent_at=sent_at)
    return sent


def partition_of(app, project_id) -> dict[str, str]:
    """Where each of the project's events is stored: messageId → partition table (SQLite: `events`)."""
    with app.app_context():
        table = "tableoid::regclass::text" if db.engine.dialect.name == "postgresql" else "'events'"
        rows = db.session.execute(
            text(f"SELECT message_id, {table} FROM events WHERE project_id = :p"), {"p": project_id}
        )
        return dict(rows.all())


def names(app) -> list[str]:
    with app.app_context():
        return [p.name for p in partitions.listing(db.session)]


def ids_name_the_events(app) -> bool:
    with app.app_context():
        stored = set(db.session.execute(select(Event.project_id, Event.message_id)).all())
        claimed = set(db.session.execute(select(EventId.project_id, EventId.message_id)).all())
    return stored == claimed


@pytest.mark.parametrize("backend", POSTGRES)
def test_events_land_in_their_month_and_rows_parked_in_the_default_move_out(app, batches, project):
    # 00:30 at +01:00 on 1 March is 23:30 UTC on 29 February: months are UTC months.
    recent, old, ancient, edge, far = post(
        batches, [RECENT, OLD[0], ANCIENT, "2024-03-01T00:30:00+01:00", "2031-06-01T10:00:00.000Z"]
    )
    month_now = partitions.name_of(partitions.month_of(NOW - timedelta(days=1)))
    parked = {m["messageId"]: "events_default" for m in (old, ancient, edge, far)}
    assert partition_of(app, project.id) == {recent["messageId"]: month_now, **parked}
    with app.app_context():
        made = partitions.ensure(db.session, NOW)
    assert [(p.name, p.rows) for p in made] == [("events_2024_01", 1), ("events_2024_02", 1)]
    # Months more than HISTORY_MONTHS back or AHEAD months on stay parked: no partition per broken clock.
    assert partition_of(app, project.id) == {
        recent["messageId"]: month_now,
        old["messageId"]: "events_2024_01",
        edge["messageId"]: "events_2024_02",
        ancient["messageId"]: "events_default",
        far["messageId"]: "events_default",
    }
    # A retry after the move, with a new sentAt and so a new corrected timestamp, is still a duplicate.
    assert batches.post([old], sent_at="2026-11-23T10:00:05.000Z").status_code == 200
    assert len(partition_of(app, project.id)) == 5 and batches.count(Event) == 5
    with app.app_context():
        assert partitions.ensure(db.session, NOW) == []
    ahead = [partitions.name_of(partitions.add_months(partitions.month_of(NOW), n)) for n in range(4)]
    assert set(ahead) <= set(names(app)) and names(app)[-1] == "events_default"
    assert not [n for n in names(app) if n.startswith(("events_2012", "events_2031"))]


@pytest.mark.parametrize("backend", POSTGRES)
def test_a_month_is_made_while_ingest_writes_into_it(app, batches, project):
    """Rows keep arriving for a month in the default while its partition is split out: none lost, none twice."""
    import threading

    from tests.helpers import Batches

    stop, errors, sent = threading.Event(), [], []

    def send():
        with app.test_client() as client:
            local = Batches(app, client, project)
            while not stop.is_set():
                visitor = f"anon-{len(sent)}"  # a new person each batch: ingest writes people, then events
                body = [message(timestamp=OLD[1], anonymousId=visitor) for _ in range(20)]
                response = local.post(body, sent_at=None)
                if response.status_code != 200:
                    errors.append(response.status_code)
                sent.extend(m["messageId"] for m in body)

    thread = threading.Thread(target=send)
    thread.start()
    try:
        while len(sent) < 100:
            stop.wait(0.01)
        with app.app_context():
            made = partitions.ensure(db.session, NOW)
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert [p.name for p in made] == ["events_2024_02"] and made[0].rows >= 100
    where = partition_of(app, project.id)
    assert sorted(where) == sorted(sent)
    assert set(where.values()) == {"events_2024_02"}


@pytest.mark.parametrize("backend", POSTGRES)
def test_a_batch_arriving_during_a_split_waits_and_lands_in_the_new_month(app, project):
    """A reader keeps the split at its last step (attaching needs the default to itself) while a batch
    about a new person arrives: the batch waits for the split and is stored in the new month."""
    import threading
    import time

    post_answer(app, project, "anon-old")  # a row parked in the default, so there is a month to split out
    with app.app_context():
        with db.engine.connect() as reader:
            reader.execute(text("SELECT count(*) FROM events_default"))  # holds ACCESS SHARE until commit
            made, answers = [], []
            splitter = threading.Thread(target=lambda: made.extend(ensure_now(app)))
            sender = threading.Thread(target=lambda: answers.append(post_answer(app, project, "anon-new")))
            splitter.start()
            time.sleep(0.3)
            sender.start()
            time.sleep(0.5)
            assert splitter.is_alive() and sender.is_alive()
            reader.commit()
            splitter.join(10)
            sender.join(10)
    assert [(p.name, p.rows) for p in made] == [("events_2024_02", 5)]
    assert answers == [(200, 5)]
    assert set(partition_of(app, project.id).values()) == {"events_2024_02"}
    assert ids_name_the_events(app)


@pytest.mark.parametrize("backend", POSTGRES)
def test_a_split_does_not_deadlock_with_a_batch_that_has_written_people(app, project):
    """A batch has written `people` and not yet `events` when the split starts. The split waits for it
    rather than taking the default first (which would deadlock when the batch reaches it)."""
    import threading
    import time

    post_answer(app, project, "anon-old")  # a person to update, and a row parked in the default
    with app.app_context():
        with db.engine.connect() as batch:
            batch.execute(text("UPDATE people SET last_seen = now() WHERE project_id = :p"), {"p": project.id})
            made, failed = [], []
            splitter = threading.Thread(target=lambda: capture(failed, lambda: made.extend(ensure_now(app))))
            splitter.start()
            time.sleep(0.5)
            started = time.monotonic()
            batch.execute(
                text(
                    "INSERT INTO events (project_id, message_id, person_id, type, properties, timestamp, received_at) "
                    "SELECT project_id, 'late-1', person_id, type, properties, timestamp, received_at FROM events "
                    "WHERE project_id = :p LIMIT 1"
                ),
                {"p": project.id},
            )
            # The split is queued behind the batch's `people`, not holding the default in its way.
            waited = time.monotonic() - started
            batch.commit()
            splitter.join(15)
    assert waited < 0.5
    assert failed == [] and [(p.name, p.rows) for p in made] == [("events_2024_02", 6)]
    assert set(partition_of(app, project.id).values()) == {"events_2024_02"}


def ensure_now(app) -> list:
    with app.app_context():
        try:
            return partitions.ensure(db.session, NOW)
        finally:
            db.session.close()


def capture(failures: list, func) -> None:
    try:
        func()
    except Exception as error:
        failures.append(error)


def post_answer(app, project, visitor="anon-1") -> tuple[int, int]:
    from tests.helpers import Batches

    with app.test_client() as client:
        body = [message(timestamp=OLD[1], anonymousId=visitor) for _ in range(5)]
        response = Batches(app, client, project).post(body, sent_at=None)
        return response.status_code, response.get_json()["accepted"]


@pytest.mark.parametrize("backend", POSTGRES)
def test_retention_drops_whole_months_with_their_ids(app, batches, project, other_project):
    post(batches, OLD + [RECENT])
    post(batches, OLD[:1], write_key=other_project.write_key)
    with app.app_context():
        partitions.ensure(db.session, NOW)
        dry = retention.purge(db.session, utc(2025, 1, 1), dry_run=True)
    assert "events_2024_01" in names(app) and len(partition_of(app, project.id)) == 4
    assert [(r.project_id, r.month, r.events, r.partition) for r in dry] == [
        (project.id, utc(2024, 1, 1), 1, "events_2024_01"),
        (project.id, utc(2024, 2, 1), 2, "events_2024_02"),
        (other_project.id, utc(2024, 1, 1), 1, "events_2024_01"),
    ]
    with app.app_context():
        removed = retention.purge(db.session, utc(2025, 1, 1))
    assert removed == dry
    assert not {"events_2024_01", "events_2024_02"} & set(names(app))
    assert list(partition_of(app, project.id).values()) == [
        partitions.name_of(partitions.month_of(NOW - timedelta(days=1)))
    ]
    assert partition_of(app, other_project.id) == {}
    assert ids_name_the_events(app)


@pytest.mark.parametrize("backend", POSTGRES)
def test_retention_of_one_project_deletes_its_rows_and_keeps_the_months(app, batches, project, other_project):
    post(batches, OLD)
    kept = post(batches, OLD, write_key=other_project.write_key)
    with app.app_context():
        partitions.ensure(db.session, NOW)
        removed = retention.purge(db.session, utc(2025, 1, 1), project_id=project.id)
    assert [(r.events, r.partition) for r in removed] == [(1, None), (2, None)]
    assert {"events_2024_01", "events_2024_02"} <= set(names(app))
    assert partition_of(app, project.id) == {}
    assert sorted(partition_of(app, other_project.id)) == sorted(m["messageId"] for m in kept)
    assert ids_name_the_events(app)


def test_event_ids_name_exactly_the_stored_events(app, batches, project, other_project):
    first = post(batches, [RECENT, OLD[0], ANCIENT], sent_at="2026-11-23T10:00:00.000Z")
    again = [{**m} for m in first] + [first[0]]  # a retry of the whole batch, one message twice
    response = batches.post(again, sent_at="2026-11-23T10:00:07.000Z").get_json()
    assert (response["accepted"], response["duplicates"]) == (3, 1)  # one repeat inside the batch
    assert batches.count(Event, Event.project_id == project.id) == 3  # the writer stored nothing new
    # messageIds are per project: the same ids in another project are other events.
    batches.post(first, write_key=other_project.write_key)
    assert batches.count(Event, Event.project_id == other_project.id) == 3
    assert ids_name_the_events(app)
    with app.app_context():
        person = db.session.scalar(select(Person.id).where(Person.project_id == project.id))
        person_records.delete_person(db.session, project.id, person)
    assert ids_name_the_events(app) and partition_of(app, project.id) == {}
    with app.app_context():
        retention.purge(db.session, utc(2025, 1, 1))
    assert ids_name_the_events(app) and len(partition_of(app, other_project.id)) == 1
    # Once an event is gone, so is its id: the same message sent again is stored again.
    kept = batches.count(Event, Event.project_id == other_project.id)
    batches.post(first[:1], write_key=other_project.write_key)  # still stored: nothing new
    batches.post(first[1:2], write_key=other_project.write_key)  # purged: stored again
    assert batches.count(Event, Event.project_id == other_project.id) == kept + 1


def test_partitions_command_makes_the_months_due_and_lists_them(gapwise, backend, batches):
    post(batches, [OLD[0]])
    result = gapwise("partitions")
    assert result.exit_code == 0, result.output
    if backend == "sqlite":
        assert "not partitioned" in result.output
        return
    assert "made events_2024_01, moving 1 events out of events_default" in result.output
    assert "events_2024_01\t1 events" in result.output and "events_default\t0 events" in result.output


def test_serve_makes_the_months_due_in_the_background(app, backend, batches, project):
    import threading
    import time

    (sent,) = post(batches, [OLD[0]])
    stop = threading.Event()
    thread = partitions.start_worker(app, stop)
    if backend == "sqlite":
        assert thread is None
        return
    try:
        deadline = time.monotonic() + 10
        while "events_2024_01" not in names(app) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert partition_of(app, project.id) == {sent["messageId"]: "events_2024_01"}
