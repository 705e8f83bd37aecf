"""What every `gapwise` command shares: the app, clear errors instead of tracebacks, the --project option."""

import click
from marshmallow import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from .. import create_app
from ..config import SettingsError
from ..db import db
from ..errors import ApiError
from ..models import Project


def make_app():
    """The app as `gapwise serve` would build it, from GAPWISE_* settings (a wrong one is one clear line)."""
    try:
        return create_app()
    except SettingsError as wrong:
        raise click.ClickException(str(wrong)) from None


def safe_url(url: str) -> str:
    """A database URL without its password, fit to print."""
    return make_url(url).render_as_string(hide_password=True)


def storage_guard(app, func):
    """Run func in an app context, turning database failures into one clear line instead of a traceback."""
    with app.app_context():
        try:
            return func()
        except (OperationalError, ProgrammingError) as error:
            reason = str(error.orig).strip()
            if isinstance(error, ProgrammingError) or "no such table" in reason:
                reason += " (run `gapwise db upgrade` first)"
            raise click.ClickException(
                f"cannot use the database at {safe_url(app.config['DATABASE_URL'])}: {reason}"
            ) from None
        except ApiError as error:
            raise click.ClickException(error.message) from None
        finally:
            db.session.close()
            db.engine.dispose()


def project_option(func):
    """The required --project ID option."""
    return click.option("--project", "project_id", required=True, type=int, help="Project id (see `project list`).")(
        func
    )


def existing_project(project_id: int) -> int:
    """The id, or a usage error naming how to find the right one."""
    if db.session.get(Project, project_id) is None:
        raise click.UsageError(f"no project with id {project_id} (see `gapwise project list`)")
    return project_id


def load_or_usage_error(schema, data: dict) -> dict:
    """Load `data` with `schema`, or stop with the field errors on one line."""
    try:
        return schema.load(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{field}: {' '.join(map(str, msgs))}" for field, msgs in error.normalized_messages().items()
        )
        raise click.UsageError(problems) from None


def check_ingest_log(app) -> None:
    """Open the ingest log once before serving, so a wrong GAPWISE_INGEST_LOG or replica count stops the
    start with its reason instead of failing the first capture; the workers open their own."""
    from ..core.ingest.log import close_log, ingest_log

    with app.app_context():
        try:
            ingest_log(app).pending(db.session)
        except (SettingsError, ApiError) as error:
            raise click.ClickException(f"cannot use the ingest log {app.config['INGEST_LOG']!r}: {error}") from None
        finally:
            db.session.close()
            close_log(app)
