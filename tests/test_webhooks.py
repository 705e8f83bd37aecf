"""Signed webhooks: subscriptions by API, an outbox filled by ingest and the gap report, delivery with retries.

A real receiver (http.server on 127.0.0.1) gets the POSTs; signatures are checked with this module's own
reading of the Standard Webhooks spec, not with the server's code. Time is driven by passing `now` to
the worker instead of sleeping. Webhooks never go to loopback addresses unless the operator allows them,
so every test that delivers to the local receiver allows 127.0.0.1 explicitly (LOCAL_RECEIVERS).
"""

import base64
import hashlib
import hmac
import threading
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest
import requests
from sqlalchemy import select

from gapwise.core.webhooks import delivery as webhook_delivery
from gapwise.core.webhooks import hooks as webhooks
from gapwise.core.webhooks import signing as webhook_signing
from gapwise.core.webhooks import transport as webhook_http
from gapwise.db import db
from gapwise.models import Webhook, WebhookDelivery
from gapwise.models.base import utcnow
from tests.helpers import AdminApi, Batches, free_port, served
from tests.test_gaps import AT, Product
from tests.test_surveys_api import NPS
from tests.test_targeting import create, survey_message


def spec_verify(secret: str, headers: dict, body: bytes, now: int, tolerance: int = 300) -> bool:
    """Standard Webhooks, symmetric v1, written from the spec: HMAC-SHA256 over "{id}.{timestamp}.{body}"."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(now - int(timestamp)) > tolerance:
        return False
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(mac).decode()
    return any(hmac.compare_digest(expected, given) for given in headers["webhook-signature"].split(" "))


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that records every POST and answers the next scripted status (then 200),
    with `answer_headers`. With a server-side `tls` context it speaks HTTPS; `name` is the host its URL gives."""

    def __init__(self, tls=None, name="127.0.0.1"):
        self.requests, self.paths, self.statuses, self.answer_headers = [], [], [], {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                receiver.paths.append(self.path)
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                for name, value in receiver.answer_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.url = f"{'https' if tls else 'http'}://{name}:{self.server.server_port}/hooks/gapwise"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


# The allow-list a test receiver on 127.0.0.1 needs: webhooks go only to public addresses otherwise.
LOCAL_RECEIVERS = "127.0.0.1/32"


@pytest.fixture
def local_receivers(app):
    app.config["WEBHOOK_ALLOWED_PRIVATE_NETWORKS"] = LOCAL_RECEIVERS


@pytest.fixture
def receiver(local_receivers):
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def hooks(client, project):
    return AdminApi(client, project.secret_key, "webhooks")


def subscribe(hooks, url, events=("response.created",), **extra) -> dict:
    answer = hooks.post(json={"url": url, "events": list(events), **extra})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def deliver(app, at=None) -> int:
    """One pass of the worker, at `at` (default: the clock)."""
    with app.app_context():
        return webhook_delivery.deliver_due(db.session, now=at)


def answer_nps(client, project, batches, score=9, completed=True, display=None) -> str:
    survey_id = create(AdminApi(client, project.secret_key, "surveys"), NPS)
    display = display or str(uuid.uuid4())
    answered = batches.post(
        [
            survey_message(survey_id, "shown", displayId=display),
            survey_message(survey_id, "answered", displayId=display, answers={"score": score}, completed=completed),
        ]
    )
    assert answered.status_code == 200 and answered.get_json()["accepted"] == 2
    return display


def test_signatures_match_the_published_standard_webhooks_example():
    signed = webhook_signing.signature(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    )
    assert signed == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_an_answered_survey_reaches_the_receiver_signed(app, client, project, batches, hooks, receiver):
    created = subscribe(hooks, receiver.url)
    assert created["secret"].startswith("whsec_") and len(base64.b64decode(created["secret"][6:])) == 32
    display = answer_nps(client, project, batches)
    assert deliver(app) == 1
    [(headers, body)] = receiver.requests
    assert spec_verify(created["secret"], headers, body, now=int(utcnow().timestamp()))
    assert headers["content-type"] == "application/json" and headers["webhook-id"].startswith("msg_")
    event = orjson.loads(body)
    assert event["type"] == "response.created" and event["timestamp"].endswith("Z")
    assert event["data"]["displayId"] == display
    assert (event["data"]["score"], event["data"]["answers"], event["data"]["stage"]) == (9.0, {"score": 9}, "trial")
    [logged] = hooks.get(f"/{created['id']}/deliveries").get_json()["deliveries"]
    assert (logged["status"], logged["attempts"], logged["lastStatusCode"], logged["eventType"]) == (
        "delivered",
        1,
        200,
        "response.created",
    )
    assert logged["messageId"] == headers["webhook-id"] and logged["nextAttemptAt"] is None


def test_only_a_response_completed_for_the_first_time_is_announced(app, client, project, batches, hooks, receiver):
    subscribe(hooks, receiver.url)
    display = answer_nps(client, project, batches, completed=False)
    assert batches.count(WebhookDelivery) == 0  # partial answers are not responses yet
    answer_nps(client, project, batches, display=display)
    answer_nps(client, project, batches, score=3, display=display)  # completed again: no second event
    assert batches.count(WebhookDelivery) == 1


def test_a_tampered_body_an_old_timestamp_or_another_secret_fail_verification(
    app, client, project, batches, hooks, receiver
):
    secret = subscribe(hooks, receiver.url)["secret"]
    answer_nps(client, project, batches)
    deliver(app)
    [(headers, body)] = receiver.requests
    sent_at = int(headers["webhook-timestamp"])
    assert spec_verify(secret, headers, body, now=sent_at)
    assert not spec_verify(secret, headers, body.replace(b"9", b"0"), now=sent_at)
    assert not spec_verify(secret, headers, body, now=sent_at + 301)
    assert not spec_verify(webhook_signing.new_secret(), headers, body, now=sent_at)
    # The server's own verifier, for receivers written in Python, agrees.
    at = utcnow()
    webhook_signing.verify(secret, headers, body, now=at)
    for bad_body, bad_now in ((body + b" ", at), (body, at + timedelta(minutes=6))):
        with pytest.raises(webhook_signing.InvalidSignature):
            webhook_signing.verify(secret, headers, bad_body, now=bad_now)
    with pytest.raises(webhook_signing.InvalidSignature):
        webhook_signing.verify(secret, {**headers, "webhook-id": "msg_other"}, body, now=at)


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(app, hooks, receiver):
    hook = subscribe(hooks, receiver.url)
    receiver.statuses = [500, 500]
    queued = hooks.post(f"/{hook['id']}/test")
    assert queued.status_code == 202 and queued.get_json()["status"] == "pending"
    t0 = utcnow() + timedelta(seconds=1)
    assert deliver(app, t0) == 1
    [first] = hooks.get(f"/{hook['id']}/deliveries").get_json()["deliveries"]
    assert (first["status"], first["attempts"], first["lastStatusCode"]) == ("pending", 1, 500)
    retry_in = (next_attempt_at(app) - t0).total_seconds()
    assert 4 <= retry_in <= 6  # 5 s ± 20 % jitter
    assert deliver(app, t0 + timedelta(seconds=1)) == 0  # not due yet
    assert deliver(app, t0 + timedelta(minutes=1)) == 1
    assert deliver(app, t0 + timedelta(hours=1)) == 1
    assert deliver(app, t0 + timedelta(days=7)) == 0
    assert len(receiver.requests) == 3
    assert len({h["webhook-id"] for h, _ in receiver.requests}) == 1  # one message, retried
    assert len({h["webhook-timestamp"] for h, _ in receiver.requests}) == 3  # signed again for each attempt
    [done] = hooks.get(f"/{hook['id']}/deliveries").get_json()["deliveries"]
    assert (done["status"], done["attempts"], done["lastStatusCode"], done["eventType"]) == (
        "delivered",
        3,
        200,
        "webhook.test",
    )
    assert orjson.loads(receiver.requests[-1][1])["data"]["webhookId"] == hook["id"]


def next_attempt_at(app):
    with app.app_context():
        return db.session.scalar(select(WebhookDelivery.next_attempt_at))


def test_a_dead_url_fails_after_the_configured_attempts(app, hooks, local_receivers):
    app.config.update(WEBHOOK_RETRY_DELAYS=[1, 1], WEBHOOK_TIMEOUT_SECONDS=2)
    hook = subscribe(hooks, f"http://127.0.0.1:{free_port()}/nobody-listens")
    hooks.post(f"/{hook['id']}/test")
    t0 = utcnow()
    assert [deliver(app, t0 + timedelta(seconds=s)) for s in (1, 3, 5, 7, 9)] == [1, 1, 1, 0, 0]
    [failed] = hooks.get(f"/{hook['id']}/deliveries").get_json()["deliveries"]
    assert (failed["status"], failed["attempts"], failed["lastStatusCode"]) == ("failed", 3, None)
    assert failed["lastError"] == webhook_http.UNREACHABLE and failed["nextAttemptAt"] is None


def test_410_gone_disables_the_webhook(app, hooks, receiver):
    hook = subscribe(hooks, receiver.url)
    receiver.statuses = [410]
    hooks.post(f"/{hook['id']}/test")
    deliver(app)
    assert hooks.get(f"/{hook['id']}").get_json()["active"] is False
    [gone] = hooks.get(f"/{hook['id']}/deliveries").get_json()["deliveries"]
    assert (gone["status"], gone["lastStatusCode"]) == ("failed", 410)
    assert hooks.post(f"/{hook['id']}/test").status_code == 409


def test_a_redirect_is_a_failure_not_followed(app, hooks, receiver):
    hook = subscribe(hooks, receiver.url)
    receiver.statuses = [302]
    hooks.post(f"/{hook['id']}/test")
    deliver(app)
    [moved] = hooks.get(f"/{hook['id']}/deliveries").get_json()["deliveries"]
    assert (moved["status"], moved["lastStatusCode"]) == ("pending", 302) and len(receiver.requests) == 1
    assert moved["lastError"] == "HTTP 302 Found: redirects are not followed"


def test_workers_running_side_by_side_send_each_delivery_once(app, hooks, receiver):
    hook = subscribe(hooks, receiver.url)
    for _ in range(12):
        hooks.post(f"/{hook['id']}/test")
    counts, at = [], utcnow() + timedelta(seconds=1)
    workers = [threading.Thread(target=lambda: counts.append(deliver(app, at))) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sum(counts) == 12
    ids = [h["webhook-id"] for h, _ in receiver.requests]
    assert len(ids) == len(set(ids)) == 12


def test_the_outbox_is_written_with_the_change_or_not_at_all(app, project, hooks, receiver):
    subscribe(hooks, receiver.url, events=["gap.flagged"])
    with app.app_context():
        webhooks.enqueue(db.session, project.id, "gap.flagged", {"id": 1}, utcnow())
        db.session.rollback()
        assert db.session.query(WebhookDelivery).count() == 0
        webhooks.enqueue(db.session, project.id, "gap.flagged", {"id": 1}, utcnow(), natural_key="gap-1")
        webhooks.enqueue(db.session, project.id, "gap.flagged", {"id": 1}, utcnow(), natural_key="gap-1")
        webhooks.enqueue(db.session, project.id, "response.created", {"id": 1}, utcnow())  # not subscribed
        db.session.commit()
        assert db.session.query(WebhookDelivery).count() == 1


def test_gap_events_are_queued_once_per_gap_and_window(client, batches, project, hooks, receiver):
    product = Product(client, batches, project)
    product.first_month()
    subscribe(hooks, receiver.url, events=["gap.flagged", "gap.closed"])
    first = product.report()
    new = {g["key"] for g in first["gaps"] if g["trend"] == "new"}
    assert ("communication:alerts:all" in new) and new
    queued = {d.payload["data"]["key"]: d for d in batches.all(WebhookDelivery)}
    assert set(queued) == new and {d.event_type for d in queued.values()} == {"gap.flagged"}
    alerts = queued["communication:alerts:all"].payload
    assert alerts["data"]["type"] == "communication" and alerts["data"]["window"]["days"] == 30
    product.report()  # the same window again: nothing new to announce
    assert batches.count(WebhookDelivery) == len(new)
    product.second_month_alerts_found()
    later = product.report(AT + timedelta(days=30))
    closed = {g["key"] for g in later["gaps"] if g["trend"] == "closed"}
    assert "communication:alerts:all" in closed
    assert {
        d.payload["data"]["key"] for d in batches.all(WebhookDelivery, WebhookDelivery.event_type == "gap.closed")
    } == closed
    count = batches.count(WebhookDelivery)
    product.report(AT + timedelta(days=30))
    assert batches.count(WebhookDelivery) == count


@pytest.mark.parametrize(
    "body, field",
    [
        ({"events": ["gap.flagged"]}, "url"),
        ({"url": "ftp://example.com/hook", "events": ["gap.flagged"]}, "url"),
        ({"url": "https://user:pw@example.com/hook", "events": ["gap.flagged"]}, "url"),
        ({"url": "https://example.com/" + "a" * 2000, "events": ["gap.flagged"]}, "url"),
        ({"url": "not a url", "events": ["gap.flagged"]}, "url"),
        ({"url": "https://example.com/hook", "events": []}, "events"),
        ({"url": "https://example.com/hook", "events": ["person.deleted"]}, "events"),
        ({"url": "https://example.com/hook", "events": ["gap.flagged", "gap.flagged"]}, "events"),
        ({"url": "https://example.com/hook"}, "events"),
        ({"url": "https://example.com/hook", "events": ["gap.flagged"], "secret": "hunter2"}, "secret"),
        ({"url": "https://example.com/hook", "events": ["gap.flagged"], "secret": "whsec_c2hvcnQ="}, "secret"),
    ],
)
def test_invalid_webhooks_are_refused_field_by_field(hooks, body, field):
    answer = hooks.post(json=body)
    assert answer.status_code == 422 and field in answer.get_json()["errors"], answer.get_json()


def test_webhooks_are_created_read_changed_and_deleted(hooks):
    given = "whsec_" + base64.b64encode(b"k" * 24).decode()
    hook = subscribe(hooks, "https://example.com/hook", events=["gap.flagged", "gap.closed"], secret=given)
    assert hook["secret"] == given and hook["secretPrefix"] == given[:10] and hook["active"] is True
    [listed] = hooks.get().get_json()["webhooks"]
    assert "secret" not in listed and listed["secretPrefix"] == given[:10]
    assert "secret" not in hooks.get(f"/{hook['id']}").get_json()
    changed = hooks.patch(
        f"/{hook['id']}",
        json={
            "url": "http://hooks.example.net:8080/g",
            "events": ["gap.closed"],
            "active": False,
            "secret": "whsec_ignored",
        },
    )
    assert changed.status_code == 200
    assert {k: changed.get_json()[k] for k in ("url", "events", "active", "secretPrefix")} == {
        "url": "http://hooks.example.net:8080/g",
        "events": ["gap.closed"],
        "active": False,
        "secretPrefix": given[:10],
    }
    assert hooks.patch(f"/{hook['id']}", json={"events": ["nope"]}).status_code == 422
    assert hooks.delete(f"/{hook['id']}").status_code == 204
    assert hooks.get(f"/{hook['id']}").status_code == 404
    assert hooks.get().get_json() == {"webhooks": []}


def test_the_delivery_log_pages_newest_first(hooks):
    hook = subscribe(hooks, "https://example.com/hook")
    made = [hooks.post(f"/{hook['id']}/test").get_json()["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        page = hooks.get(
            f"/{hook['id']}/deliveries", query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status_code == 200
        seen += [d["id"] for d in page.get_json()["deliveries"]]
        cursor = page.get_json()["nextCursor"]
        if cursor is None:
            break
    assert seen == made[::-1]
    assert hooks.get(f"/{hook['id']}/deliveries?status=delivered").get_json()["deliveries"] == []
    assert hooks.get(f"/{hook['id']}/deliveries?cursor=bogus").status_code == 422
    assert hooks.get(f"/{hook['id']}/deliveries?status=lost").status_code == 422


def test_another_projects_key_sees_and_changes_nothing(app, client, project, other_project, hooks, receiver):
    hook = subscribe(hooks, receiver.url)
    theirs = AdminApi(client, other_project.secret_key, "webhooks")
    assert theirs.get().get_json() == {"webhooks": []}
    for method, path, kwargs in (
        ("get", "", {}),
        ("patch", "", {"json": {"url": "https://evil.example/x"}}),
        ("delete", "", {}),
        ("get", "/deliveries", {}),
        ("post", "/test", {}),
    ):
        assert getattr(theirs, method)(f"/{hook['id']}{path}", **kwargs).status_code == 404
    mine = hooks.get(f"/{hook['id']}").get_json()
    assert (mine["url"], mine["events"], mine["active"]) == (receiver.url, ["response.created"], True)
    # Their answers reach their webhooks only, never ours.
    their_hook = subscribe(theirs, receiver.url + "/theirs")
    answer_nps(client, other_project, Batches(app, client, other_project))
    assert hooks.get(f"/{hook['id']}/deliveries").get_json()["deliveries"] == []
    assert [h["id"] for h in hooks.get().get_json()["webhooks"]] == [hook["id"]]
    assert len(theirs.get(f"/{their_hook['id']}/deliveries").get_json()["deliveries"]) == 1
    deliver(app)
    assert receiver.paths == ["/hooks/gapwise/theirs"]


def test_gapwise_webhooks_deliver_once_sends_what_is_due(app, hooks, receiver, gapwise, monkeypatch):
    monkeypatch.setenv("GAPWISE_WEBHOOK_ALLOWED_PRIVATE_NETWORKS", LOCAL_RECEIVERS)  # the command's own app
    hook = subscribe(hooks, receiver.url)
    hooks.post(f"/{hook['id']}/test")
    result = gapwise("webhooks", "deliver", "--once")
    assert result.exit_code == 0, (result.output, result.exception)
    assert "1 delivery attempts made" in result.output and len(receiver.requests) == 1


def test_the_worker_thread_delivers_in_the_background_until_stopped(app, hooks, receiver):
    app.config["WEBHOOK_POLL_SECONDS"] = 0.05
    stop = threading.Event()
    thread = webhook_delivery.start_worker(app, stop)
    try:
        hook = subscribe(hooks, receiver.url)
        hooks.post(f"/{hook['id']}/test")
        deadline = utcnow() + timedelta(seconds=10)
        while not receiver.requests and utcnow() < deadline:
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join(5)
    assert len(receiver.requests) == 1 and not thread.is_alive()
    app.config["WEBHOOK_WORKER"] = 0
    assert webhook_delivery.start_worker(app) is None


@pytest.fixture
def gunicorn_allowing_local_receivers(app):
    """`gapwise serve` on the test database, allowed to deliver to 127.0.0.1."""
    with served(app.config["DATABASE_URL"], env={"GAPWISE_WEBHOOK_ALLOWED_PRIVATE_NETWORKS": LOCAL_RECEIVERS}) as base:
        yield base


@pytest.mark.slow
def test_gapwise_serve_delivers_webhooks_from_its_workers(gunicorn_allowing_local_receivers, project, receiver):
    gunicorn_server = gunicorn_allowing_local_receivers
    auth = {"Authorization": f"Bearer {project.secret_key}"}
    hook = requests.post(
        f"{gunicorn_server}/api/v1/webhooks",
        json={"url": receiver.url, "events": ["gap.flagged"]},
        headers=auth,
        timeout=10,
    ).json()
    assert (
        requests.post(f"{gunicorn_server}/api/v1/webhooks/{hook['id']}/test", headers=auth, timeout=10).status_code
        == 202
    )
    deadline = utcnow() + timedelta(seconds=20)
    while not receiver.requests and utcnow() < deadline:
        threading.Event().wait(0.1)
    [(headers, body)] = receiver.requests
    assert spec_verify(hook["secret"], headers, body, now=int(utcnow().timestamp()))


def test_secrets_are_never_in_the_delivery_rows(app, hooks, receiver):
    secret = subscribe(hooks, receiver.url)["secret"]
    [hook] = hooks.get().get_json()["webhooks"]
    hooks.post(f"/{hook['id']}/test")
    deliver(app)
    with app.app_context():
        [row] = db.session.query(WebhookDelivery).all()
        assert secret not in orjson.dumps(row.payload).decode()
        assert db.session.get(Webhook, hook["id"]).secret == secret
