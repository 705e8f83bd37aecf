"""The `gapwise` command line: serve, db upgrade, project create/list, demo."""
import sys

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from marshmallow import ValidationError

from . import create_app, migrate
from .db import db
from .errors import ApiError
from .models import Project
from .schemas.features import FeatureSchema
from .services import demo as demo_service
from .services import features, keys, snippet


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Gapwise: feature usage, in-app surveys and the gaps between them."""


def _app():
    return create_app()


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _storage_guard(app, func):
    """Run func in an app context, turning database failures into one clear line instead of a traceback."""
    with app.app_context():
        try:
            return func()
        except (OperationalError, ProgrammingError) as error:
            reason = str(error.orig).strip()
            if isinstance(error, ProgrammingError) or "no such table" in reason:
                reason += " (run `gapwise db upgrade` first)"
            raise click.ClickException(
                f"cannot use the database at {_safe_url(app.config['DATABASE_URL'])}: {reason}") from None
        except ApiError as error:
            raise click.ClickException(error.message) from None
        finally:
            db.session.close()
            db.engine.dispose()


@main.group()
def db_group() -> None:
    """Database schema commands."""


main.add_command(db_group, name="db")


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Create or migrate the database schema."""
    app = _app()
    made = _storage_guard(app, lambda: migrate.upgrade(app.config["DATABASE_URL"], revision))
    click.echo(f"database at {_safe_url(app.config['DATABASE_URL'])} is at {revision}")
    for partition in made:
        click.echo(f"made partition {partition.name}")


@main.group()
def project() -> None:
    """Projects and their keys."""


@project.command("create")
@click.argument("name")
def project_create(name: str) -> None:
    """Create a project and print its write key and a secret key (shown once)."""
    try:
        name = keys.check_project_name(name)
    except ApiError:
        raise click.BadParameter("a project name needs 1 to 200 characters", param_hint="NAME") from None
    app = _app()
    created, secret = _storage_guard(app, lambda: keys.create_project(db.session, name))
    click.echo(f"project: {created.name} (id {created.id})")
    click.echo(f"write key: {created.write_key}")
    click.echo(f"secret key: {secret}")
    click.echo("The secret key is shown only now; store it somewhere safe.")


@project.command("list")
def project_list() -> None:
    """List projects with their write keys."""
    app = _app()
    projects = _storage_guard(app, lambda: keys.list_projects(db.session))
    if not projects:
        click.echo("no projects yet: gapwise project create NAME")
    for p in projects:
        click.echo(f"{p.id}\t{p.name}\t{p.write_key}")


@project.command("snippet")
@click.argument("project_id", type=int)
@click.option("--host", default="http://127.0.0.1:5000", show_default=True, help="Where Gapwise is served.")
def project_snippet(project_id: int, host: str) -> None:
    """Print the snippet to paste into the tracked app's pages."""
    app = _app()

    def build():
        return snippet.snippet_html(db.session.get(Project, _existing_project(project_id)).write_key, host)

    click.echo(_storage_guard(app, build))


@main.command()
def demo() -> None:
    """Create the demo project with sample people and events, and print its keys."""
    app = _app()

    def seed_and_report():
        seeded = demo_service.seed(db.session)
        return seeded, demo_service.gap_lines(db.session, seeded.project_id)

    result, gap_lines = _storage_guard(app, seed_and_report)
    click.echo(f"demo project: {result.project_name} (id {result.project_id})")
    click.echo(f"write key: {result.write_key}")
    if result.secret_key:
        click.echo(f"secret key: {result.secret_key}")
    click.echo(f"sample events stored: {result.events}")
    for line in gap_lines:
        click.echo(line)
    email, password = demo_service.DEMO_LOGIN
    click.echo(f"dashboard: /app/ — sign in as {email} with password {password}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Serve Gapwise over HTTP (gunicorn)."""
    app = _app()
    url = app.config["DATABASE_URL"]
    try:
        current = migrate.is_current(url)
    except OperationalError as error:
        raise click.ClickException(f"cannot use the database at {_safe_url(url)}: {error.orig}") from None
    if not current:
        raise click.ClickException("the database schema is not up to date: run `gapwise db upgrade` first")
    click.echo(f"Gapwise on http://{host}:{port} ({workers} workers, database {_safe_url(url)})")
    if sys.platform.startswith("win"):
        from .services import partitions
        from .services.webhook_delivery import start_worker

        start_worker(app)  # under gunicorn, each worker process starts its own (see wsgi.py)
        partitions.start_worker(app)
        app.run(host=host, port=port)
        return
    from .wsgi import serve_with_gunicorn

    serve_with_gunicorn(app, host, port, workers)


@main.group()
def feature() -> None:
    """Tagged features of a project."""


def _project_option(func):
    return click.option("--project", "project_id", required=True, type=int, help="Project id (see `project list`).")(
        func)


@feature.command("add")
@_project_option
@click.argument("key")
@click.option("--name", help="Display name (default: the key).")
@click.option("--selector", help="CSS selector of the feature's element.")
@click.option("--event", help="A tracked event that counts as a use.")
@click.option("--core/--no-core", default=False, help="Counts towards activation and adoption.")
@click.option("--aha/--no-aha", default=False, help="Using it is the aha moment.")
@click.option("--promised/--no-promised", default=False, help="Everyone expects it.")
@click.option("--goal", "goals", multiple=True, help="A welcome-screen goal it serves (repeatable).")
@click.option("--effort", default=3, show_default=True, type=int, help="1 (easy) to 5 (hard) to improve.")
def feature_add(project_id, key, name, selector, event, core, aha, promised, goals, effort) -> None:
    """Add a feature recognised by a selector and/or an event."""
    data = _load_or_usage_error(FeatureSchema(), {
        "key": key, "name": name or key, "selector": selector, "event": event, "core": core, "aha": aha,
        "promised": promised, "goals": list(goals), "effort": effort})
    app = _app()
    created = _storage_guard(app, lambda: features.create_feature(db.session, _existing_project(project_id), data))
    click.echo(f"feature {created.key} added to project {project_id}")


@feature.command("list")
@_project_option
def feature_list(project_id) -> None:
    """List a project's features."""
    app = _app()
    found = _storage_guard(app, lambda: features.list_features(db.session, _existing_project(project_id)))
    if not found:
        click.echo("no features yet: gapwise feature add --project ID KEY --selector CSS")
    for f in found:
        flags = ",".join(n for n in ("core", "aha", "promised") if getattr(f, n)) or "-"
        click.echo(f"{f.key}\t{f.name}\t{f.selector or '-'}\t{f.event or '-'}\t{flags}\teffort {f.effort}")


@feature.command("remove")
@_project_option
@click.argument("key")
def feature_remove(project_id, key) -> None:
    """Remove a feature."""
    app = _app()
    _storage_guard(app, lambda: features.delete_feature(db.session, _existing_project(project_id), key))
    click.echo(f"feature {key} removed")


def _existing_project(project_id: int) -> int:
    if db.session.get(Project, project_id) is None:
        raise click.UsageError(f"no project with id {project_id} (see `gapwise project list`)")
    return project_id


def _load_or_usage_error(schema, data: dict) -> dict:
    try:
        return schema.load(data)
    except ValidationError as error:
        problems = "; ".join(f"{field}: {' '.join(map(str, msgs))}"
                             for field, msgs in error.normalized_messages().items())
        raise click.UsageError(problems) from None


from . import cli_journey  # noqa: E402,F401  (registers its commands on `main`)
from . import cli_export  # noqa: E402,F401  (registers `gapwise export`)
from . import cli_webhooks  # noqa: E402,F401  (registers `gapwise webhooks`)
from . import cli_users  # noqa: E402,F401  (registers `gapwise user`)
from . import cli_retention  # noqa: E402,F401  (registers `gapwise retention`)
