"""The real server process: gunicorn serving the app over HTTP."""

import gzip

import orjson
import requests

from gapwise.models import Event, Person
from tests.helpers import drain, message


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
