"""`gapwise feature add|list|remove`: the tagged features of a project."""

import click

from ..core.features import definitions as features
from ..db import db
from ..schemas.features import FeatureSchema
from .common import existing_project, load_or_usage_error, make_app, project_option, storage_guard


@click.group("feature")
def feature_group() -> None:
    """Tagged features of a project."""


@feature_group.command("add")
@project_option
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
    data = load_or_usage_error(
        FeatureSchema(),
        {
            "key": key,
            "name": name or key,
            "selector": selector,
            "event": event,
            "core": core,
            "aha": aha,
            "promised": promised,
            "goals": list(goals),
            "effort": effort,
        },
    )
    app = make_app()
    created = storage_guard(app, lambda: features.create_feature(db.session, existing_project(project_id), data))
    click.echo(f"feature {created.key} added to project {project_id}")


@feature_group.command("list")
@project_option
def feature_list(project_id) -> None:
    """List a project's features."""
    app = make_app()
    found = storage_guard(app, lambda: features.list_features(db.session, existing_project(project_id)))
    if not found:
        click.echo("no features yet: gapwise feature add --project ID KEY --selector CSS")
    for f in found:
        flags = ",".join(n for n in ("core", "aha", "promised") if getattr(f, n)) or "-"
        click.echo(f"{f.key}\t{f.name}\t{f.selector or '-'}\t{f.event or '-'}\t{flags}\teffort {f.effort}")


@feature_group.command("remove")
@project_option
@click.argument("key")
def feature_remove(project_id, key) -> None:
    """Remove a feature."""
    app = make_app()
    storage_guard(app, lambda: features.delete_feature(db.session, existing_project(project_id), key))
    click.echo(f"feature {key} removed")
