"""The gapwise command line, run as a user would (environment variables, no app fixture)."""

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from gapwise.cli.main import main
from gapwise.db import db
from gapwise.models import Event


@pytest.fixture
def cli(app):
    """Run `gapwise ...` against the test database, as configured through the environment."""
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, list(args), env={"GAPWISE_DATABASE_URL": app.config["DATABASE_URL"]})

    return run


def test_db_upgrade_creates_a_fresh_sqlite_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = CliRunner().invoke(main, ["db", "upgrade"], env={"GAPWISE_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert "is at head" in result.output
    result = CliRunner().invoke(main, ["project", "list"], env={"GAPWISE_DATABASE_URL": url})
    assert result.exit_code == 0 and "no projects yet" in result.output


def test_project_create_prints_keys_that_work(cli, client):
    result = cli("project", "create", "Acme App")
    assert result.exit_code == 0, result.output
    write_key = re.search(r"write key: (pk_\S+)", result.output).group(1)
    secret_key = re.search(r"secret key: (sk_\S+)", result.output).group(1)
    assert (
        client.get("/api/v1/project", headers={"Authorization": f"Bearer {secret_key}"}).get_json()["name"]
        == "Acme App"
    )
    batch = {
        "writeKey": write_key,
        "batch": [{"type": "track", "messageId": "m1", "anonymousId": "a", "event": "Signed Up"}],
    }
    assert client.post("/v1/batch", json=batch).get_json()["accepted"] == 1
    listed = cli("project", "list")
    assert f"Acme App\t{write_key}" in listed.output
    assert secret_key not in listed.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["project", "create", "   "], "a project name needs 1 to 200 characters"),
        (["project", "create", "x" * 201], "a project name needs 1 to 200 characters"),
        (["project", "create"], "Missing argument 'NAME'"),
        (["serve", "--port", "0"], "0 is not in the range 1<=x<=65535"),
        (["serve", "--workers", "many"], "'many' is not a valid integer"),
        (["frobnicate"], "No such command 'frobnicate'"),
    ],
)
def test_bad_arguments_get_a_clear_error_and_no_traceback(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_an_unreachable_database_is_one_clear_line(tmp_path):
    env = {"GAPWISE_DATABASE_URL": "postgresql+psycopg://nobody:hunter2@127.0.0.1:9/none"}
    result = CliRunner().invoke(main, ["project", "list"], env=env)
    assert result.exit_code == 1
    assert "cannot use the database at postgresql+psycopg://nobody:***@127.0.0.1:9/none" in result.output
    assert "hunter2" not in result.output and "Traceback" not in result.output


def test_serve_refuses_an_unmigrated_database(tmp_path):
    env = {"GAPWISE_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}", "GAPWISE_SECRET_KEY": "a-real-secret"}
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 1 and "run `gapwise db upgrade` first" in result.output


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({}, "GAPWISE_SECRET_KEY is the built-in development key"),
        ({"GAPWISE_SECRET_KEY": "dev-only-change-me"}, "GAPWISE_SECRET_KEY is the built-in development key"),
        ({"GAPWISE_SECRET_KEY": ""}, "GAPWISE_SECRET_KEY is the built-in development key"),
        ({"GAPWISE_SECRET_KEY": "s3cret", "GAPWISE_LOG_FORMAT": "xml"}, "GAPWISE_LOG_FORMAT must be one of text, json"),
        ({"GAPWISE_SECRET_KEY": "s3cret", "GAPWISE_TRUSTED_PROXIES": "many"}, "GAPWISE_TRUSTED_PROXIES must be"),
        ({"GAPWISE_SECRET_KEY": "s3cret", "GAPWISE_TRUSTED_PROXIES": "-1"}, "GAPWISE_TRUSTED_PROXIES must be"),
    ],
)
def test_serve_refuses_settings_that_are_unsafe_or_wrong(app, monkeypatch, settings, said):
    monkeypatch.delenv("GAPWISE_SECRET_KEY", raising=False)
    env = {"GAPWISE_DATABASE_URL": app.config["DATABASE_URL"], **settings}
    result = CliRunner().invoke(main, ["serve", "--port", "1"], env=env)
    assert result.exit_code == 1 and said in result.output, result.output
    assert "Traceback" not in result.output


def test_commands_on_an_unmigrated_database_say_so(tmp_path):
    env = {"GAPWISE_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    result = CliRunner().invoke(main, ["project", "list"], env=env)
    assert result.exit_code == 1 and "gapwise db upgrade" in result.output and "Traceback" not in result.output


def test_demo_seeds_once_and_prints_the_write_key(cli, app):
    first = cli("demo")
    assert first.exit_code == 0, first.output
    write_key = re.search(r"write key: (pk_\S+)", first.output).group(1)
    assert "secret key: sk_" in first.output
    second = cli("demo")
    assert f"write key: {write_key}" in second.output and "secret key" not in second.output
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Event))
    assert stored > 100
    assert f"sample events stored: {stored}" in second.output
