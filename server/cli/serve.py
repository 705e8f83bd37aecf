"""`gapwise serve` and `gapwise demo`: run the product, seed the demo project."""

import logging
import os
import shutil
import sys
import tempfile

import click
from sqlalchemy.exc import OperationalError

from ..config import SettingsError
from ..core.storage import migrate
from ..db import db
from ..demo import seed as demo_service
from ..ops.production import check_serving_settings
from ..version import __version__
from .common import check_ingest_log, make_app, safe_url, storage_guard


@click.command("demo")
def demo() -> None:
    """Create the demo project with sample people and events, and print its keys."""
    app = make_app()

    def seed_and_report():
        seeded = demo_service.seed(db.session)
        return seeded, demo_service.gap_lines(db.session, seeded.project_id)

    result, gap_lines = storage_guard(app, seed_and_report)
    click.echo(f"demo project: {result.project_name} (id {result.project_id})")
    click.echo(f"write key: {result.write_key}")
    if result.secret_key:
        click.echo(f"secret key: {result.secret_key}")
    click.echo(f"sample events stored: {result.events}")
    for line in gap_lines:
        click.echo(line)
    email, password = demo_service.DEMO_LOGIN
    click.echo(f"dashboard: /app/ — sign in as {email} with password {password}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Serve Gapwise over HTTP (gunicorn)."""
    metrics_dir = _metrics_dir()  # before the app is built: prometheus_client reads it on import
    app = make_app()
    try:
        check_serving_settings(app.config)
    except SettingsError as unsafe:
        raise click.ClickException(str(unsafe)) from None
    url = app.config["DATABASE_URL"]
    try:
        current = migrate.is_current(url)
    except OperationalError as error:
        raise click.ClickException(f"cannot use the database at {safe_url(url)}: {error.orig}") from None
    if not current:
        raise click.ClickException("the database schema is not up to date: run `gapwise db upgrade` first")
    check_ingest_log(app)
    banner = f"Gapwise {__version__} on http://{host}:{port} ({workers} workers, database {safe_url(url)})"
    if app.config["LOG_FORMAT"] == "json":  # every line of a JSON-logging server is a JSON record
        logging.getLogger("gapwise.serve").info(banner)
    else:
        click.echo(banner)
    try:
        if sys.platform.startswith("win"):
            from ..core.ingest.writer import start_writer
            from ..core.storage import partitions
            from ..core.webhooks.delivery import start_worker
            from ..ops.metrics import partition_upkeep

            start_writer(app)
            start_worker(app)  # under gunicorn, each worker process starts its own (see wsgi.py)
            partitions.start_worker(app, on_pass=partition_upkeep)
            app.run(host=host, port=port)
            return
        from ..wsgi import serve_with_gunicorn

        serve_with_gunicorn(app, host, port, workers)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _metrics_dir() -> str | None:
    """Give the workers a shared folder for their metrics: the operator's PROMETHEUS_MULTIPROC_DIR,
    emptied of a previous run's files, or a new temporary one (returned, to remove at exit)."""
    if "prometheus_client" in sys.modules:  # too late to choose (a serve run inside another program)
        return None
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        os.makedirs(given, exist_ok=True)
        for name in os.listdir(given):
            if name.endswith(".db"):
                os.remove(os.path.join(given, name))
        return None
    made = tempfile.mkdtemp(prefix="gapwise-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
    return made
