"""Fixtures: an app per database (SQLite always, PostgreSQL when GAPWISE_TEST_DATABASE_URL is set).

pytest-flask builds on `app`: its response class (`response.json`), `config` and the `options` marker.
`client` is redefined here without `with`: pytest-flask's keeps the last request's context pushed, so a
second client in the same test (a signed-in dashboard user, say) would share its `g` and CSRF token, and
a streamed export would hold its context open. Browser fixtures live in tests/browser/conftest.py,
so a run without browser tests never imports Playwright. Test clients drain the ingest log after each
tracker request (helpers.DrainingClient). Helpers shared by test modules are in helpers.py.
"""

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from gapwise.core.storage import migrate
from gapwise.db import make_engine
from tests.helpers import BACKENDS, PG_URL, Batches, ProjectKeys, app_for_tests, database_url, served


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
    # CREATE DATABASE waits for a checkpoint: on a busy machine that outlasts the usual 10 s limit.
    admin = make_engine(make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False), 120_000)
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


@pytest.fixture(autouse=True)
def _push_request_context():
    """pytest-flask would keep one request context around each test that uses `app`; Gapwise's tests push
    their own app contexts, one per step, as requests and commands do in production."""


@pytest.fixture
def client(app):
    """A test client whose requests each push and pop their own contexts, as in production."""
    return app.test_client()


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def app(request, backend, tmp_path):
    url = database_url(request, backend, tmp_path)
    app = app_for_tests({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test", "DB_TIMEOUT_MS": 2000})
    yield app
    app.extensions["gapwise.db"].sessions.remove()
    app.extensions["gapwise.db"].engine.dispose()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def gapwise(app):
    """Run the `gapwise` command line against the test database, configured through the environment."""
    from click.testing import CliRunner

    from gapwise.cli.main import main

    def run(*args):
        return CliRunner().invoke(
            main, [str(a) for a in args], env={"GAPWISE_DATABASE_URL": app.config["DATABASE_URL"]}
        )

    return run


@pytest.fixture
def project(app):
    return ProjectKeys(app)


@pytest.fixture
def other_project(app):
    return ProjectKeys(app, "Another project")


@pytest.fixture
def batches(app, client, project):
    return Batches(app, client, project)


@pytest.fixture
def gunicorn_server(app):
    """`gapwise serve` in its own process (gunicorn, 2 workers) on the test database; yields its base URL."""
    with served(app.config["DATABASE_URL"]) as base:
        yield base
