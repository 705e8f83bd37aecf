"""Fixtures: an app per database (SQLite always, PostgreSQL when GAPWISE_TEST_DATABASE_URL is set)."""
import gzip
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import orjson
import pytest
import requests
from playwright.sync_api import sync_playwright
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from server import create_app, migrate
from server.db import db, make_engine
from server.models import Base
from server.services import keys, partitions
from tests.browser import CHROMIUM, CHROMIUM_ARGS, HostSite



def _worker_database(url: str | None) -> str | None:
    """Under pytest-xdist, each worker gets its own database beside the given one (test → test_gw0)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


PG_URL = _worker_database(os.environ.get("GAPWISE_TEST_DATABASE_URL"))
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file that each test copies, so migrations run once."""
    path = tmp_path_factory.mktemp("template") / "gapwise.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url():
    """The test PostgreSQL database (created when missing), emptied and migrated once per run."""
    name = make_url(PG_URL).database
    admin = make_engine(make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = make_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate.upgrade(PG_URL)
    return PG_URL


def _truncate_postgres(url):
    """Empty every table, and keep only the monthly partitions of events a fresh migration makes."""
    engine = make_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    with Session(engine) as session:
        due = {partitions.add_months(partitions.month_of(datetime.now(UTC)), n) for n in range(partitions.AHEAD + 1)}
        for partition in partitions.listing(session):
            if partition.month is not None and partition.month not in due:
                session.execute(text(f"DROP TABLE {partition.name}"))
        session.commit()
    engine.dispose()


def database_url(request, backend, tmp_path) -> str:
    """A migrated, empty database of the given kind for one test."""
    if backend == "sqlite":
        path = tmp_path / "gapwise.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    _truncate_postgres(url)
    return url


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def app(request, backend, tmp_path):
    url = database_url(request, backend, tmp_path)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test", "DB_TIMEOUT_MS": 2000})
    yield app
    app.extensions["gapwise.db"].sessions.remove()
    app.extensions["gapwise.db"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def gapwise(app):
    """Run the `gapwise` command line against the test database, configured through the environment."""
    from click.testing import CliRunner

    from server.cli import main

    def run(*args):
        return CliRunner().invoke(main, [str(a) for a in args], env={"GAPWISE_DATABASE_URL": app.config["DATABASE_URL"]})

    return run


class ProjectKeys:
    """A project created for a test, with its write and secret keys."""

    def __init__(self, app, name="Test project"):
        with app.app_context():
            project, self.secret_key = keys.create_project(db.session, name)
            self.id, self.write_key = project.id, project.write_key


@pytest.fixture
def project(app):
    return ProjectKeys(app)


@pytest.fixture
def other_project(app):
    return ProjectKeys(app, "Another project")


def message(kind="track", **fields) -> dict:
    """A valid message of the given type, with a fresh messageId."""
    base = {"type": kind, "messageId": str(uuid.uuid4()), "anonymousId": "anon-1",
            "timestamp": "2026-11-23T10:00:00.000Z"}
    extra = {"track": {"event": "Report Exported", "properties": {"format": "pdf"}},
             "identify": {"userId": "u1", "traits": {"email": "a@example.com"}},
             "group": {"userId": "u1", "groupId": "acme", "traits": {"name": "Acme", "mrr": 1200}},
             "page": {"properties": {"url": "https://app.example.com/reports", "path": "/reports", "title": "R"}},
             "survey": {"surveyId": "s1", "action": "answered", "answers": {"score": 9}}}.get(kind, {})
    return {**base, **extra, **fields}


class Batches:
    """Posts batches to /v1/batch the ways clients do, and reads back what was stored."""

    def __init__(self, app, client, project):
        self.app, self.client, self.project = app, client, project

    def body(self, messages, write_key=None, sent_at="2026-11-23T10:00:00.000Z") -> dict:
        body = {"writeKey": write_key or self.project.write_key, "batch": messages}
        if sent_at:
            body["sentAt"] = sent_at
        return body

    def post(self, messages, write_key=None, content_type="application/json", gzipped=False, headers=None,
             sent_at="2026-11-23T10:00:00.000Z", **body_fields):
        data = orjson.dumps({**self.body(messages, write_key, sent_at), **body_fields})
        return self.post_raw(data, content_type=content_type, gzipped=gzipped, headers=headers)

    def post_raw(self, data: bytes, content_type="application/json", gzipped=False, headers=None):
        headers = dict(headers or {})
        if gzipped:
            data = gzip.compress(data)
            headers["Content-Encoding"] = "gzip"
        return self.client.post("/v1/batch", data=data, content_type=content_type, headers=headers)

    def count(self, model, *where) -> int:
        with self.app.app_context():
            return db.session.scalar(select(func.count()).select_from(model).where(*where))

    def all(self, model, *where, order_by=None) -> list:
        with self.app.app_context():
            stmt = select(model).where(*where)
            if order_by is not None:
                stmt = stmt.order_by(order_by)
            return list(db.session.scalars(stmt))


class AdminApi:
    """Calls /api/v1/<resource> with a project's secret key: api.get("/key"), api.post(json={...})."""

    def __init__(self, client, secret_key, resource):
        self.client, self.resource = client, resource
        self.headers = {"Authorization": f"Bearer {secret_key}"}

    def __getattr__(self, method):
        def call(path="", **kwargs):
            return getattr(self.client, method)(f"/api/v1/{self.resource}{path}", headers=self.headers, **kwargs)
        return call


@pytest.fixture
def batches(app, client, project):
    return Batches(app, client, project)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(app):
    """`gapwise serve` in its own process (gunicorn, 2 workers) on the test database; yields its base URL."""
    port = free_port()
    # Plain HTTP on 127.0.0.1: dashboard cookies cannot be Secure there.
    env = {**os.environ, "GAPWISE_DATABASE_URL": app.config["DATABASE_URL"], "GAPWISE_SECRET_KEY": "test",
           "GAPWISE_SESSION_COOKIE_SECURE": "false", "GAPWISE_REMEMBER_COOKIE_SECURE": "false"}
    process = subprocess.Popen([sys.executable, "-m", "server", "serve", "--port", str(port), "--workers", "2"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {process.stdout.read().decode()}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


# --- browser tests: one Chromium per run, a fresh context per test, the host site on its own origin ---

@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, project):
    host_site = HostSite(live_server, project.write_key)
    yield host_site
    host_site.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    yield page
    context.close()
