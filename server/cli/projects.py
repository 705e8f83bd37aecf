"""`gapwise project create|list|snippet|link-secret`: projects, their keys, the snippet to paste, the link secret."""

import click

from ..core.projects import keys, snippet
from ..core.surveys import links
from ..db import db
from ..errors import ApiError
from ..models import Project
from .common import existing_project, make_app, storage_guard


@click.group("project")
def project_group() -> None:
    """Projects and their keys."""


@project_group.command("create")
@click.argument("name")
def project_create(name: str) -> None:
    """Create a project and print its write key and a secret key (shown once)."""
    try:
        name = keys.check_project_name(name)
    except ApiError:
        raise click.BadParameter("a project name needs 1 to 200 characters", param_hint="NAME") from None
    app = make_app()
    created, secret = storage_guard(app, lambda: keys.create_project(db.session, name))
    click.echo(f"project: {created.name} (id {created.id})")
    click.echo(f"write key: {created.write_key}")
    click.echo(f"secret key: {secret}")
    click.echo("The secret key is shown only now; store it somewhere safe.")


@project_group.command("list")
def project_list() -> None:
    """List projects with their write keys."""
    app = make_app()
    projects = storage_guard(app, lambda: keys.list_projects(db.session))
    if not projects:
        click.echo("no projects yet: gapwise project create NAME")
    for p in projects:
        click.echo(f"{p.id}\t{p.name}\t{p.write_key}")


@project_group.command("snippet")
@click.argument("project_id", type=int)
@click.option("--host", default="http://127.0.0.1:5000", show_default=True, help="Where Gapwise is served.")
def project_snippet(project_id: int, host: str) -> None:
    """Print the snippet to paste into the tracked app's pages."""
    app = make_app()

    def build():
        project = db.session.get(Project, existing_project(project_id))
        assert project is not None  # existing_project stops at a missing one
        return snippet.snippet_html(project.write_key, host)

    click.echo(storage_guard(app, build))


@project_group.command("link-secret")
@click.argument("project_id", type=int)
@click.option("--rotate", is_flag=True, help="Replace it: links signed with the old one leave people anonymous.")
def project_link_secret(project_id: int, rotate: bool) -> None:
    """Print the secret that signs `uid` in survey links (sig = HMAC-SHA256 of "<survey public id>:<uid>")."""
    app = make_app()

    def secret():
        existing_project(project_id)
        if rotate:
            return links.rotate_link_secret(db.session, project_id)
        return links.link_secret(db.session, project_id)

    click.echo(storage_guard(app, secret))
