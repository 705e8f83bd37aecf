"""`gapwise user create`: dashboard users and their role in a project."""

import click

from ..core.projects import users
from ..db import db
from ..models.users import ROLES
from .common import existing_project, make_app, storage_guard


@click.group("user")
def user_group() -> None:
    """Dashboard users."""


@user_group.command("create")
@click.argument("email")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 10 characters (asked for when not given).",
)
@click.option("--project", "project_id", type=int, help="Give the user a role in this project.")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
def user_create(email, password, project_id, role) -> None:
    """Create a dashboard user, optionally a member of a project."""

    def run():
        if project_id is not None:
            existing_project(project_id)
        user = users.create_user(db.session, email, password)
        if project_id is not None:
            users.grant(db.session, user.id, project_id, role)
        return user.email

    created = storage_guard(make_app(), run)
    click.echo(f"user {created} created" + (f", {role} of project {project_id}" if project_id else ""))
