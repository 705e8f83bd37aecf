"""POST /v1/batch: the public ingestion contract."""

import gzip
import sqlite3
import threading
from contextlib import contextmanager
from datetime import timedelta

import orjson
import pytest
from sqlalchemy import text

from gapwise.core.ingest.writer import Unavailable, Writer
from gapwise.db import db, make_engine
from gapwise.models import Activity, Event, IngestFailure, IngestRecord, Person
from tests.helpers import Batches, drain, message, utc

ERROR_KEYS = {"code", "status", "message"}


def assert_error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) >= ERROR_KEYS and body["status"] == status
    return body


@pytest.mark.parametrize(
    "kind, name, properties",
    [
        ("track", "Report Exported", {"format": "pdf"}),
        ("identify", None, {"email": "a@example.com"}),
        ("group", "acme", {"name": "Acme", "mrr": 1200}),
        ("page", "/reports", {"url": "https://app.example.com/reports", "path": "/reports", "title": "R"}),
        ("survey", "answered", {"surveyId": "s1", "answers": {"score": 9}, "completed": True}),
    ],
)
def test_every_message_type_round_trips(batches, project, kind, name, properties):
    sent = message(kind, context={"userAgent": "test"})
    response = batches.post([sent])
    assert response.status_code == 200
    assert response.get_json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    [event] = batches.all(Event, Event.project_id == project.id)
    assert (event.type, event.name, event.properties, event.message_id) == (kind, name, properties, sent["messageId"])
    assert event.context == {"userAgent": "test"}
    assert event.timestamp == utc(2026, 11, 23, 10) + (event.received_at - utc(2026, 11, 23, 10))


def test_good_and_bad_messages_store_only_the_good(batches, project):
    good = [message(), message("page")]
    bad_type = message(type="explode")
    no_event = message()
    del no_event["event"]
    no_identity = message(anonymousId=None)
    bad_time = message(timestamp="yesterday")
    response = batches.post([good[0], bad_type, no_event, good[1], no_identity, bad_time, "not an object"])
    body = response.get_json()
    assert response.status_code == 200
    assert body["accepted"] == 2 and body["duplicates"] == 0
    assert [r["index"] for r in body["rejected"]] == [1, 2, 4, 5, 6]
    assert body["rejected"][0]["messageId"] == bad_type["messageId"]
    assert "type" in body["rejected"][0]["errors"]
    assert "event" in body["rejected"][1]["errors"]
    assert "anonymousId" in body["rejected"][2]["errors"]
    assert "timestamp" in body["rejected"][3]["errors"]
    stored = {e.message_id for e in batches.all(Event)}
    assert stored == {m["messageId"] for m in good}


def test_posting_the_same_batch_twice_stores_nothing_new(batches):
    """A retry is accepted into the log again (capture does not read what is stored); the writer finds
    its messageIds stored and changes nothing: no event, person or activity counted twice."""
    sent = [message(), message("identify"), message("page")]
    first = batches.post(sent).get_json()
    second = batches.post(sent).get_json()
    assert first == second == {"accepted": 3, "duplicates": 0, "rejected": []}
    assert batches.count(Event) == 3
    assert batches.count(Person) == 1
    [day] = batches.all(Activity)
    assert day.events == 2  # the track and the page; an identify is not activity


def test_a_message_repeated_inside_one_batch_is_stored_once(batches):
    sent = message()
    assert batches.post([sent, sent]).get_json() == {"accepted": 1, "duplicates": 1, "rejected": []}
    assert batches.count(Event) == 1


@pytest.mark.parametrize(
    "content_type, gzipped",
    [("text/plain", False), ("text/plain;charset=UTF-8", False), ("application/json", True), ("text/plain", True)],
)
def test_text_plain_and_gzip_bodies_are_accepted(batches, content_type, gzipped):
    response = batches.post([message()], content_type=content_type, gzipped=gzipped)
    assert response.get_json()["accepted"] == 1
    assert batches.count(Event) == 1


def test_a_gzip_bomb_is_refused_without_expanding_it(batches):
    bomb = gzip.compress(b"[" + b" " * (50 * 1024 * 1024) + b"]")
    assert len(bomb) < 100 * 1024
    response = batches.post_raw(bomb, headers={"Content-Encoding": "gzip"})
    assert_error(response, 413)


def test_a_body_that_is_not_gzip_under_a_gzip_header_is_a_bad_request(batches):
    assert_error(batches.post_raw(b"{}", headers={"Content-Encoding": "gzip"}), 400)


def test_a_truncated_gzip_body_is_a_bad_request(batches):
    data = gzip.compress(orjson.dumps(batches.body([message()])))
    assert_error(batches.post_raw(data[:-12], headers={"Content-Encoding": "gzip"}), 400)


def test_a_600kb_body_is_too_large(batches):
    messages = [message(properties={"blob": "x" * 20_000}) for _ in range(31)]
    body = orjson.dumps(batches.body(messages))
    assert len(body) > 600 * 1024
    assert_error(batches.post_raw(body), 413)
    assert batches.count(Event) == 0


def test_a_40kb_event_is_rejected_alone(batches):
    big = message(properties={"blob": "x" * 40_000})
    response = batches.post([message(), big])
    body = response.get_json()
    assert body["accepted"] == 1
    assert body["rejected"][0]["index"] == 1 and "32768" in body["rejected"][0]["errors"]["_schema"][0]


def test_text_with_nul_characters_is_rejected_alone(batches):
    body = batches.post([message(event="a\x00b"), message(properties={"k": ["x\x00"]}), message()]).get_json()
    assert body["accepted"] == 1
    assert [r["index"] for r in body["rejected"]] == [0, 1]
    assert "NUL" in body["rejected"][0]["errors"]["_schema"][0]


def test_more_than_500_messages_is_too_large(batches):
    assert_error(batches.post([message() for _ in range(501)]), 413)
    assert batches.count(Event) == 0


def test_500_messages_fit_in_one_batch(batches):
    assert batches.post([message() for _ in range(500)]).get_json()["accepted"] == 500


@pytest.mark.parametrize(
    "raw, status",
    [
        (b"{not json", 400),
        (b"", 400),
        (b"[1, 2]", 400),
        (b'"a string"', 400),
        (b"42", 400),
        (b"null", 400),
        (b'{"batch": []}', 401),
        (b'{"writeKey": "pk_nope", "batch": []}', 401),
        (b'{"writeKey": 7, "batch": []}', 401),
    ],
)
def test_malformed_bodies_and_bad_keys_get_their_documented_status(batches, raw, status):
    assert_error(batches.post_raw(raw), status)


@pytest.mark.parametrize("fields", [{"batch": "nope"}, {"batch": None}, {"sentAt": "soon"}])
def test_a_malformed_envelope_is_a_bad_request_naming_the_field(batches, project, fields):
    body = {"writeKey": project.write_key, "batch": [], **fields}
    error = assert_error(batches.post_raw(orjson.dumps(body)), 400)
    assert set(error["errors"]) == set(fields)


def test_other_content_types_and_encodings_are_refused(batches):
    data = orjson.dumps(batches.body([message()]))
    assert_error(batches.post_raw(data, content_type="application/xml"), 415)
    assert_error(batches.post_raw(data, headers={"Content-Encoding": "br"}), 415)


def test_an_empty_batch_is_fine(batches):
    assert batches.post([]).get_json() == {"accepted": 0, "duplicates": 0, "rejected": []}


def test_client_clock_skew_is_corrected(batches):
    # The client's clock runs one hour fast: it says it sent at 11:00 an event from 10:59.
    sent = message(timestamp="2026-11-23T10:59:00Z")
    before = utc(2026, 1, 1)
    batches.post([sent], sent_at="2026-11-23T11:00:00Z")
    [event] = batches.all(Event)
    assert event.received_at > before
    assert event.received_at - event.timestamp == timedelta(minutes=1)


def test_without_sent_at_the_client_timestamp_is_kept(batches, client, project):
    body = {"writeKey": project.write_key, "batch": [message(timestamp="2026-11-20T08:00:00+01:00")]}
    client.post("/v1/batch", data=orjson.dumps(body), content_type="text/plain")
    assert batches.all(Event)[0].timestamp == utc(2026, 11, 20, 7)


def test_a_message_without_timestamp_gets_the_receipt_time(batches):
    sent = message()
    del sent["timestamp"]
    batches.post([sent])
    [event] = batches.all(Event)
    assert event.timestamp == event.received_at


def test_a_key_from_another_project_writes_nothing_into_this_one(batches, project, other_project):
    batches.post([message(anonymousId="shared-anon")])
    response = batches.post(
        [message(anonymousId="shared-anon"), message("identify", anonymousId="shared-anon")],
        write_key=other_project.write_key,
    )
    assert response.get_json()["accepted"] == 2
    assert batches.count(Event, Event.project_id == project.id) == 1
    assert batches.count(Event, Event.project_id == other_project.id) == 2
    [mine] = batches.all(Person, Person.project_id == project.id)
    assert mine.user_id is None and mine.traits == {}


def test_a_rotated_write_key_is_refused(app, batches, project):
    from gapwise.core.projects.keys import rotate_write_key

    assert batches.post([message()]).status_code == 200
    with app.app_context():
        new_key = rotate_write_key(db.session, project.id)
    assert_error(batches.post([message()]), 401)
    assert batches.post([message()], write_key=new_key).status_code == 200


def test_preflight_is_answered_for_any_origin(client):
    response = client.options(
        "/v1/batch",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]


def test_any_origin_may_send_until_the_project_lists_origins(app, batches, project):
    from gapwise.models import Project

    origin = {"Origin": "https://evil.example"}
    response = batches.post([message()], headers=origin)
    assert response.headers["Access-Control-Allow-Origin"] == "https://evil.example"
    with app.app_context():
        db.session.get(Project, project.id).allowed_origins = ["https://app.example.com"]
        db.session.commit()
    app.extensions["gapwise.key_cache"].clear()
    refused = batches.post([message()], headers=origin)
    assert_error(refused, 403)
    assert "Access-Control-Allow-Origin" not in refused.headers
    allowed = batches.post([message()], headers={"Origin": "https://app.example.com"})
    assert allowed.status_code == 200
    assert batches.post([message()]).status_code == 200  # server-side senders send no Origin
    assert batches.count(Event) == 3


@contextmanager
def database_locked(app, backend, table="ingest_log"):
    """Hold a lock elsewhere (SQLite's file, PostgreSQL's `table`), as a stuck or overloaded database would."""
    if backend == "sqlite":
        conn = sqlite3.connect(app.config["DATABASE_URL"].removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        yield
        conn.execute("ROLLBACK")
        conn.close()
        return
    engine = make_engine(app.config["DATABASE_URL"])
    with engine.connect() as conn:
        conn.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
        yield
        conn.rollback()
    engine.dispose()


def test_a_log_that_stops_answering_gives_503_and_keeps_nothing(app, backend, batches):
    """A lock held elsewhere makes the log time out; the batch is refused whole and lands on retry."""
    sent = [message(anonymousId="new-person"), message("identify", anonymousId="new-person")]
    with database_locked(app, backend):
        response = batches.post(sent)
    assert_error(response, 503)
    assert response.headers["Retry-After"]
    assert batches.count(IngestRecord) == 0 and batches.count(Event) == 0
    assert batches.post(sent).get_json()["accepted"] == 2
    assert batches.count(Event) == 2 and batches.count(Person) == 1


def test_a_writer_that_cannot_write_keeps_the_records_for_later(app, backend, batches, project):
    """Capture has answered; the writer finds the database stuck, keeps the record in the log, and stores
    it once the database answers again."""
    sent = [message(anonymousId="new-person"), message("identify", anonymousId="new-person")]
    assert Batches(app, app.test_client(drain=False), project).post(sent).get_json()["accepted"] == 2
    with database_locked(app, backend, "events"), pytest.raises(Unavailable):
        Writer(app).write_once()
    assert batches.count(IngestRecord) == 1 and batches.count(Event) == 0 and batches.count(Person) == 0
    assert drain(app) == 1
    assert batches.count(IngestRecord) == 0 and batches.count(Event) == 2 and batches.count(Person) == 1


def test_concurrent_first_batches_of_one_person_make_one_person(app, backend, batches, project):
    """Two tabs of a new visitor send their first batches at once."""
    if backend == "sqlite":
        app.config["DB_TIMEOUT_MS"] = 10_000
    results = []

    def send(n):
        with app.test_client() as c:
            body = batches.body(
                [message(anonymousId="tab-visitor"), message("identify", anonymousId="tab-visitor", userId="u-tabs")]
            )
            results.append(c.post("/v1/batch", data=orjson.dumps(body), content_type="text/plain").status_code)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 4
    assert batches.count(Event) == 8
    assert batches.count(Person) == 1


@pytest.mark.parametrize("timestamp", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "1969-12-31T00:00Z"])
def test_timestamps_out_of_range_reject_their_message(batches, timestamp):
    body = batches.post([message(timestamp=timestamp), message()]).get_json()
    assert body["accepted"] == 1 and "timestamp" in body["rejected"][0]["errors"]


def test_a_sent_at_out_of_range_is_a_bad_request(batches):
    assert_error(batches.post([message()], sent_at="9999-12-31T23:59:59-01:00"), 400)


def test_an_event_from_after_the_batch_was_sent_is_stored_at_receipt(batches):
    batches.post([message(timestamp="2026-11-23T12:00:00Z")], sent_at="2026-11-23T10:00:00Z")
    [event] = batches.all(Event)
    assert event.timestamp == event.received_at


def test_an_mrr_of_a_trillion_is_rejected_not_a_5xx(batches):
    body = batches.post([message("group", traits={"mrr": 1e12})]).get_json()
    assert body["accepted"] == 0 and "traits" in body["rejected"][0]["errors"]


@pytest.mark.parametrize("write_key", ["pk_\u0000", "pk_" + "a" * 100, "sk_abcdefghijkl", "pk_short"])
def test_keys_of_the_wrong_shape_are_refused_before_any_lookup(batches, write_key):
    assert_error(batches.post([message()], write_key=write_key), 401)


def test_a_message_whose_type_is_not_a_string_names_the_type(batches):
    body = batches.post([message(type=["track"])]).get_json()
    assert list(body["rejected"][0]["errors"]) == ["type"]


def test_a_record_that_cannot_be_stored_is_kept_aside_and_the_rest_of_its_chunk_lands(app, project, batches):
    """One broken record must neither block the log nor take its chunk's good records down with it."""
    capture = Batches(app, app.test_client(drain=False), project)
    assert capture.post([message(), message()]).status_code == 200
    with app.app_context():
        db.session.add(IngestRecord(project_id=project.id, messages=1, payload=b"{not json"))
        db.session.commit()
    assert capture.post([message()]).status_code == 200
    assert drain(app) == 3
    assert batches.count(Event) == 3 and batches.count(IngestRecord) == 0
    [failure] = batches.all(IngestFailure)
    assert failure.payload == b"{not json" and "JSONDecodeError" in failure.error
    assert failure.project_id == project.id
