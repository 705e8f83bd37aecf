"""`gapwise rollups`, `gapwise journey`, `gapwise gaps` and `gapwise accounts`: the gap engine from a terminal."""
import click

from .cli import _app, _existing_project, _project_option, _storage_guard, main
from .db import db, write_lock_options
from .services import journey, rollups


@main.group("rollups")
def rollups_group() -> None:
    """Usage rollups kept at ingest time."""


@rollups_group.command("rebuild")
@_project_option
def rollups_rebuild(project_id) -> None:
    """Recompute a project's rollups (and journey stages) from its raw events."""
    def run():
        db.session.connection(execution_options=write_lock_options())
        pid = _existing_project(project_id)
        rollups.rebuild(db.session, pid)
        changed = journey.recompute(db.session, pid)
        db.session.commit()
        return changed

    changed = _storage_guard(_app(), run)
    click.echo(f"rollups rebuilt for project {project_id}; {changed} people changed stage")
