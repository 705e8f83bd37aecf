"""The real server process: gunicorn managing workers that buffer requests (ops/serving.py), over HTTP."""

import gzip
import socket
import time

import orjson
import requests

from gapwise.models import Event, Person
from tests.helpers import drain, message, served


def test_a_batch_over_real_http_is_stored(gunicorn_server, batches, project):
    sent = [message("identify", userId="u1", traits={"plan": "pro"}), message(userId="u1"), message("page")]
    response = requests.post(
        f"{gunicorn_server}/v1/batch",
        data=orjson.dumps(batches.body(sent)),
        headers={"Content-Type": "text/plain;charset=UTF-8", "Origin": "https://app.example"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json() == {"accepted": 3, "duplicates": 0, "rejected": []}
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example"
    drain(batches.app)
    assert batches.count(Event) == 3
    assert batches.all(Person)[0].traits == {"plan": "pro"}


def test_gzip_retries_and_errors_over_real_http(gunicorn_server, batches):
    body = gzip.compress(orjson.dumps(batches.body([message(), message()])))
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    first = requests.post(f"{gunicorn_server}/v1/batch", data=body, headers=headers, timeout=10)
    retry = requests.post(f"{gunicorn_server}/v1/batch", data=body, headers=headers, timeout=10)
    assert first.json() == retry.json() == {"accepted": 2, "duplicates": 0, "rejected": []}
    too_big = requests.post(f"{gunicorn_server}/v1/batch", data=b"x" * (513 * 1024), timeout=10)
    assert too_big.status_code == 413 and too_big.json()["code"] == "payload_too_large"
    wrong_key = requests.post(
        f"{gunicorn_server}/v1/batch", json=batches.body([message()], write_key="pk_x"), timeout=10
    )
    assert wrong_key.status_code == 401
    drain(batches.app)
    assert batches.count(Event) == 2


def _slow_connections(base: str, count: int) -> list[socket.socket]:
    """`count` connections that have each begun a request and will not finish it."""
    host, port = base.removeprefix("http://").split(":")
    opened = []
    for _ in range(count):
        sock = socket.create_connection((host, int(port)), timeout=5)
        sock.sendall(b"POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sock.setblocking(False)
        opened.append(sock)
    return opened


def _still_open(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def test_slow_clients_do_not_hold_back_real_batches(app, batches):
    """256 connections trickling their headers, one byte a round, while real batches keep being answered
    by one worker process (a sync worker answered none of them)."""
    with served(app.config["DATABASE_URL"], workers=1) as base:
        slow = _slow_connections(base, 256)
        session, latencies = requests.Session(), []
        try:
            for _ in range(40):
                for sock in slow:
                    sock.send(b"X-")  # part of a header name: never a whole line
                started = time.perf_counter()
                answer = session.post(f"{base}/v1/batch", json=batches.body([message()]), timeout=5)
                latencies.append(time.perf_counter() - started)
                assert answer.status_code == 200 and answer.json()["accepted"] == 1
            assert sum(_still_open(sock) for sock in slow) == 256  # held, not dropped to make room
        finally:
            for sock in slow:
                sock.close()
    latencies.sort()
    assert latencies[int(0.99 * len(latencies)) - 1] < 1.0, latencies[-5:]
    drain(batches.app)
    assert batches.count(Event) == 40


def test_a_request_not_sent_whole_in_time_is_closed(app):
    """A connection trickling bytes keeps itself from being idle, but not past SERVE_REQUEST_SECONDS."""
    with served(app.config["DATABASE_URL"], env={"GAPWISE_SERVE_REQUEST_SECONDS": "2"}, workers=1) as base:
        (sock,) = _slow_connections(base, 1)
        started = time.monotonic()
        try:
            while _still_open(sock) and time.monotonic() - started < 10:
                try:
                    sock.send(b"-")
                except OSError:
                    break
                time.sleep(0.25)
            assert 1.5 < time.monotonic() - started < 6
        finally:
            sock.close()
