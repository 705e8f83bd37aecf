"""Rate limits: per write key on /v1, per secret key on /api/v1, shared through Redis when configured."""

import gzip
import hashlib
import logging
import sys
import uuid

import orjson
import pytest
import redis

from gapwise import create_app
from gapwise.config import SettingsError
from tests.helpers import AdminApi, ProjectKeys, app_for_tests, database_url, message

REDIS_URL = "redis://127.0.0.1:6379/0"
LOW = {"RATE_LIMIT_INGEST": "3/minute", "RATE_LIMIT_API": "3/minute"}


@pytest.fixture
def make_app(request, backend, tmp_path):
    """Build apps on one test database with low limits; several may share it (and a Redis prefix)."""
    url = database_url(request, backend, tmp_path)
    apps = []

    def make(**config):
        app = app_for_tests({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test", **LOW, **config})
        apps.append(app)
        return app

    yield make
    for app in apps:
        storage = app.extensions["gapwise.ratelimit"].storage
        if app.config.get("REDIS_URL") and app.config["REDIS_URL"] == REDIS_URL:
            storage.reset()
        app.extensions["gapwise.db"].sessions.remove()
        app.extensions["gapwise.db"].engine.dispose()


@pytest.fixture
def redis_prefix():
    """A Redis key prefix of this test alone."""
    return f"gapwise-test-{uuid.uuid4().hex}"


def post_batch(client, write_key, gzipped=False):
    data = orjson.dumps({"writeKey": write_key, "batch": [message()]})
    headers = {}
    if gzipped:
        data, headers = gzip.compress(data), {"Content-Encoding": "gzip"}
    return client.post("/v1/batch", data=data, content_type="application/json", headers=headers)


def get_config(client, write_key):
    return client.get(f"/v1/config?writeKey={write_key}&anonymousId=a1")


def assert_rate_limited(response):
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.get_json() == {
        "code": "rate_limited",
        "status": 429,
        "message": "Too many requests for this key; retry later.",
    }


@pytest.mark.parametrize(
    "send",
    [post_batch, get_config, lambda c, k: post_batch(c, k, gzipped=True)],
    ids=["batch", "config", "gzipped batch"],
)
def test_over_the_ingest_limit_answers_429_with_retry_after(make_app, send):
    app = make_app()
    project, client = ProjectKeys(app), app.test_client()
    assert [send(client, project.write_key).status_code for _ in range(3)] == [200] * 3
    assert_rate_limited(send(client, project.write_key))


def test_a_browser_can_read_the_429_and_its_retry_after(make_app):
    app = make_app()
    project, client = ProjectKeys(app), app.test_client()
    origin = {"Origin": "https://app.example.com"}
    for _ in range(4):
        response = client.get(f"/v1/config?writeKey={project.write_key}&anonymousId=a1", headers=origin)
    assert_rate_limited(response)
    assert response.headers["Access-Control-Allow-Origin"] == origin["Origin"]
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]


def test_each_write_key_has_its_own_bucket(make_app):
    app = make_app()
    ours, theirs, client = ProjectKeys(app), ProjectKeys(app, "Another project"), app.test_client()
    for _ in range(3):
        post_batch(client, ours.write_key)
    assert_rate_limited(post_batch(client, ours.write_key))
    assert post_batch(client, theirs.write_key).status_code == 200
    assert get_config(client, ours.write_key).status_code == 200


def test_the_api_limit_keys_on_the_secret_key(make_app):
    app = make_app(RATE_LIMIT_API="4/minute")
    project, client = ProjectKeys(app), app.test_client()
    created = AdminApi(client, project.secret_key, "keys").post(json={"name": "second"})
    second = created.get_json()["key"]
    first_api, second_api = (AdminApi(client, key, "keys") for key in (project.secret_key, second))
    assert [first_api.get().status_code for _ in range(3)] == [200] * 3
    assert_rate_limited(first_api.get())
    assert second_api.get().status_code == 200


def test_a_limit_can_be_turned_off(make_app):
    app = make_app(RATE_LIMIT_INGEST="off")
    project, client = ProjectKeys(app), app.test_client()
    assert {post_batch(client, project.write_key).status_code for _ in range(5)} == {200}


def test_apps_sharing_redis_share_the_count(make_app, redis_prefix):
    config = {"REDIS_URL": REDIS_URL, "RATE_LIMIT_PREFIX": redis_prefix}
    first, second = make_app(**config), make_app(**config)
    project = ProjectKeys(first)
    one, two = first.test_client(), second.test_client()
    assert [post_batch(c, project.write_key).status_code for c in (one, two, one)] == [200] * 3
    assert_rate_limited(post_batch(two, project.write_key))
    AdminApi(one, project.secret_key, "keys").get()
    stored = b" ".join(redis.Redis.from_url(REDIS_URL).keys(f"{redis_prefix}*"))
    assert hashlib.sha256(project.secret_key.encode()).hexdigest().encode() in stored
    assert project.secret_key.encode() not in stored


def test_unreachable_redis_allows_requests_and_logs_once(make_app, caplog):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    project, client = ProjectKeys(app), app.test_client()
    with caplog.at_level(logging.WARNING, logger="gapwise.ratelimit"):
        assert {post_batch(client, project.write_key).status_code for _ in range(5)} == {200}
    assert [r.getMessage() for r in caplog.records if r.name == "gapwise.ratelimit"] == [
        "rate limit storage unavailable, allowing requests: StorageError"
    ]


def test_redis_without_its_client_is_one_clear_error(monkeypatch, tmp_path):
    """The redis client is an optional extra: a configured Redis without it says how to install it."""
    monkeypatch.setitem(sys.modules, "redis", None)  # as if `gapwise[redis]` was not installed
    with pytest.raises(SettingsError, match=r"pip install 'gapwise\[redis\]'"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "REDIS_URL": "redis://127.0.0.1:6379/0"})
