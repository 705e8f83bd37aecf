"""`gapwise db upgrade`: create or migrate the schema (and make the months of events ahead)."""

import click

from ..core.storage import migrate
from .common import make_app, safe_url, storage_guard


@click.group("db")
def db_group() -> None:
    """Database schema commands."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Create or migrate the database schema."""
    app = make_app()
    made = storage_guard(app, lambda: migrate.upgrade(app.config["DATABASE_URL"], revision))
    click.echo(f"database at {safe_url(app.config['DATABASE_URL'])} is at {revision}")
    for partition in made:
        click.echo(f"made partition {partition.name}")
