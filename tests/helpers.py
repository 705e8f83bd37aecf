"""What tests share: the databases to run on, a project with its keys, valid messages, and small clients for
/v1/batch and /api/v1. Test modules import these; conftest.py holds only fixtures."""

import contextlib
import gzip
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import orjson
import requests
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from gapwise.core.ingest.writer import Writer
from gapwise.core.projects import keys
from gapwise.core.storage import partitions
from gapwise.db import db, make_engine
from gapwise.models import Base


def _worker_database(url: str | None) -> str | None:
    """Under pytest-xdist, each worker gets its own database beside the given one (test → test_gw0)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


PG_URL = _worker_database(os.environ.get("GAPWISE_TEST_DATABASE_URL"))
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


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


TRACKER_WRITES = ("/v1/batch", "/v1/track", "/v1/identify", "/v1/page", "/v1/screen", "/v1/group", "/v1/alias")


def drain(app) -> int:
    """Store everything the app's ingest log holds, as the writer would; return the records stored."""
    return Writer(app).drain(timeout=60)


def app_for_tests(config: dict):
    """An app for a test: its clients drain the ingest log after tracker requests (DrainingClient)."""
    from gapwise import create_app

    app = create_app(config)
    app.test_client_class = DrainingClient
    return app


class DrainingClient(FlaskClient):
    """The test client, draining the ingest log after each tracker request, so a test reads what a user
    reads once the writer has caught up (never by sleeping). `drain=False` leaves the log alone."""

    def __init__(self, *args, drain: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.drains = drain

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        path = args[0] if args and isinstance(args[0], str) else kwargs.get("path", "")
        if self.drains and response.status_code == 200 and path.split("?")[0] in TRACKER_WRITES:
            drain(self.application)
        return response


class ProjectKeys:
    """A project created for a test, with its write and secret keys."""

    def __init__(self, app, name="Test project"):
        with app.app_context():
            project, self.secret_key = keys.create_project(db.session, name)
            self.id, self.write_key = project.id, project.write_key


def message(kind="track", **fields) -> dict:
    """A valid message of the given type, with a fresh messageId."""
    base = {
        "type": kind,
        "messageId": str(uuid.uuid4()),
        "anonymousId": "anon-1",
        "timestamp": "2026-11-23T10:00:00.000Z",
    }
    extra = {
        "track": {"event": "Report Exported", "properties": {"format": "pdf"}},
        "identify": {"userId": "u1", "traits": {"email": "a@example.com"}},
        "group": {"userId": "u1", "groupId": "acme", "traits": {"name": "Acme", "mrr": 1200}},
        "page": {"properties": {"url": "https://app.example.com/reports", "path": "/reports", "title": "R"}},
        "survey": {"surveyId": "s1", "action": "answered", "answers": {"score": 9}},
    }.get(kind, {})
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

    def post(
        self,
        messages,
        write_key=None,
        content_type="application/json",
        gzipped=False,
        headers=None,
        sent_at="2026-11-23T10:00:00.000Z",
        **body_fields,
    ):
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


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running(command: list, base: str, env: dict, log=None, cwd=None, limit: float = 20):
    """A server process in its own process group, once `base`/healthz answers 200; stopped on the way out.

    Its output goes to `log` (a file, shown when it does not start) or is discarded."""
    output = log or subprocess.DEVNULL
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + limit
        while True:
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                said = Path(log.name).read_text() if log is not None else ""
                raise RuntimeError(f"{command[0]} did not serve (exit status {process.poll()}):\n{said}")
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:  # the server's workers share its group
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@contextlib.contextmanager
def served(database_url: str, env: dict | None = None, log=None, workers: int = 2):
    """`gapwise serve` in its own process on 127.0.0.1 (plain HTTP, so cookies are not Secure); yields its URL."""
    port = free_port()
    settings = {
        **os.environ,
        "GAPWISE_DATABASE_URL": database_url,
        "GAPWISE_SECRET_KEY": "test",
        "GAPWISE_SESSION_COOKIE_SECURE": "false",
        "GAPWISE_REMEMBER_COOKIE_SECURE": "false",
        # Tests evaluate gaps when they mean to (tests/test_gap_schedule.py runs the scheduler's passes);
        # a pass of the server's own would take SQLite's write lock while a test sets up its data.
        "GAPWISE_GAP_SCHEDULER": "false",
        **(env or {}),
    }
    command = [sys.executable, "-m", "gapwise", "serve", "--port", str(port), "--workers", str(workers)]
    base = f"http://127.0.0.1:{port}"
    with running(command, base, settings, log):
        yield base
