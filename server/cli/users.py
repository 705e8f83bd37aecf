"""`gapwise user …`: dashboard users, their roles in projects, invitations and password resets."""

import click
from sqlalchemy import select

from ..core.projects import team, users
from ..db import db
from ..models.users import ROLES, User
from .common import existing_project, make_app, project_option, storage_guard


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


@user_group.command("list")
@click.option("--project", "project_id", type=int, help="Only this project's members and pending invitations.")
def user_list(project_id) -> None:
    """Users and their roles; with --project, its members and pending invitations."""

    def run():
        if project_id is None:
            rows = db.session.execute(select(User.email, User.last_login_at).order_by(User.email)).all()
            return [
                f"{email}  last sign-in {when:%Y-%m-%d %H:%M} UTC" if when else f"{email}  never signed in"
                for email, when in rows
            ]
        existing_project(project_id)
        lines = [f"{m.email}  {m.role}" for m in team.members(db.session, project_id)]
        lines += [
            f"{i.email}  {i.role}  invited, until {i.expires_at:%Y-%m-%d %H:%M} UTC"
            for i in team.pending(db.session, project_id)
        ]
        return lines

    for line in storage_guard(make_app(), run) or ["no users"]:
        click.echo(line)


@user_group.command("add-member")
@click.argument("email")
@project_option
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
def user_add_member(email, project_id, role) -> None:
    """Give EMAIL a role in the project: at once if they have an account, else print a one-time invitation link."""

    def run():
        existing_project(project_id)
        return team.invite(db.session, project_id, email, role)

    outcome, token = storage_guard(make_app(), run)
    if outcome == "added":
        click.echo(f"{email} is now {role} of project {project_id}")
    else:
        click.echo(f"{email} has no account yet: send them this link (valid {team.INVITE_DAYS} days, once):")
        click.echo(f"  <dashboard address>/app/invite/{token}")


@user_group.command("set-role")
@click.argument("email")
@project_option
@click.option("--role", type=click.Choice(ROLES), required=True)
def user_set_role(email, project_id, role) -> None:
    """Change a member's role (the project's last owner stays an owner)."""
    storage_guard(make_app(), lambda: team.set_role(db.session, project_id, email, role))
    click.echo(f"{email} is now {role} of project {project_id}")


@user_group.command("remove-member")
@click.argument("email")
@project_option
def user_remove_member(email, project_id) -> None:
    """Take a member out of the project (not its last owner)."""
    storage_guard(make_app(), lambda: team.remove_member(db.session, project_id, email))
    click.echo(f"{email} is no longer a member of project {project_id}")


@user_group.command("reset-password")
@click.argument("email")
def user_reset_password(email) -> None:
    """Print a one-time link with which EMAIL chooses a new password (valid 24 hours)."""
    token = storage_guard(make_app(), lambda: team.reset_link(db.session, email))
    click.echo(f"send {email} this link (valid {team.RESET_HOURS} hours, once):")
    click.echo(f"  <dashboard address>/app/reset/{token}")
