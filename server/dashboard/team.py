"""Dashboard pages of a project's team (members, roles, invitations), one's account (password), and the
pages one-time links open (accept an invitation, reset a password). Services: core.projects.team."""

from flask import flash, g, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user

from ..core.projects import team
from ..db import db
from ..errors import ApiError
from ..models.users import ROLES
from .frame import can, project_page, render_page, ui_blueprint

bp = ui_blueprint("ui_team")
MAX_FIELD = 1000


def _field(name: str) -> str:
    return request.form.get(name, "")[:MAX_FIELD]


def _page(project_id: int, status: int = 200, **shown):
    """The team page: members, pending invitations (owners), and what the last action has to show."""
    context = {"invited": None, "error": None, "confirm": None, **shown}
    page = render_page(
        "ui/team.html",
        members=team.members(db.session, project_id),
        invitations=team.pending(db.session, project_id) if can("owner") else [],
        roles=ROLES,
        **context,
    )
    return page, status


@bp.get("/p/<int:project_id>/team")
@project_page("viewer")
def team_page(project_id):
    return _page(project_id)


@bp.post("/p/<int:project_id>/team/invite")
@project_page("owner")
def invite(project_id):
    """Invite someone by email: a member at once when they have an account, else a one-time link shown once."""
    email, role = _field("email").strip().lower(), _field("role")
    try:
        outcome, token = team.invite(db.session, project_id, email, role, by=current_user.id)
    except ApiError as error:
        db.session.rollback()
        return _page(project_id, 422, error=f"Nobody was invited: {error.message}")
    if outcome == "added":
        flash(f"{email} has an account: they are now {role} of this project.")
        return redirect(url_for(".team_page", project_id=project_id))
    link = url_for(".accept", token=token, _external=True)
    return _page(project_id, invited={"email": email, "role": role, "link": link})


@bp.post("/p/<int:project_id>/team/role")
@project_page("owner")
def set_role(project_id):
    email, role = _field("email"), _field("role")
    return _change(project_id, lambda: team.set_role(db.session, project_id, email, role), f"{email} is now {role}.")


@bp.post("/p/<int:project_id>/team/remove")
@project_page("owner")
def remove(project_id):
    """Remove a member, once confirmed: the first post shows the question, the second (confirm=yes) removes."""
    email = _field("email")
    if request.form.get("confirm") != "yes":
        return _page(project_id, confirm=email)
    return _change(
        project_id,
        lambda: team.remove_member(db.session, project_id, email),
        f"{email} is no longer a member of this project.",
    )


@bp.post("/p/<int:project_id>/team/invitations/<int:invitation_id>/revoke")
@project_page("owner")
def revoke(project_id, invitation_id):
    return _change(
        project_id,
        lambda: team.revoke_invitation(db.session, project_id, invitation_id),
        "The invitation was withdrawn: its link no longer works.",
    )


def _change(project_id: int, action, message: str):
    try:
        action()
    except ApiError as error:
        db.session.rollback()
        flash(f"Nothing was changed: {error.message}")
    else:
        flash(message)
    return redirect(url_for(".team_page", project_id=project_id))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Change one's password; every other session of the user ends."""
    if request.method == "GET":
        return render_page("ui/account.html", error=None)
    new = _field("new")
    if new != _field("repeat"):
        return render_page("ui/account.html", error="The two new passwords differ."), 422
    try:
        team.change_password(db.session, current_user.id, _field("current"), new)
    except ApiError as error:
        db.session.rollback()
        return render_page("ui/account.html", error=error.message), 422
    _sign_in_again(current_user._get_current_object())
    flash("Your password is changed. Your other sessions were signed out.")
    return redirect(url_for(".account"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept(token):
    """An invitation's link: choose a password, and the account is made with the project's role."""
    return _link_page("invite", token)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token):
    """A password reset link: choose a new password; every session of the user ends."""
    return _link_page("reset", token)


def _link_page(purpose: str, token: str):
    """What both links do: check the link, ask for a password twice, then act."""
    find = team.invitation if purpose == "invite" else team.reset_request
    try:
        link = find(db.session, token)
    except ApiError as error:
        return render_page("ui/link.html", purpose=purpose, link=None, error=error.message), 404
    if request.method == "GET":
        return render_page("ui/link.html", purpose=purpose, link=link, error=None)
    password = _field("password")
    if password != _field("repeat"):
        return render_page("ui/link.html", purpose=purpose, link=link, error="The two passwords differ."), 422
    try:
        if purpose == "invite":
            user = team.accept(db.session, token, password)
        else:
            team.reset(db.session, token, password)
    except ApiError as error:
        db.session.rollback()
        return render_page("ui/link.html", purpose=purpose, link=link, error=error.message), 422
    if purpose == "reset":
        flash("Your password is changed: sign in with it.")
        return redirect(url_for("ui_auth.login"))
    _sign_in_again(user)
    flash("Welcome to Gapwise: your account is ready.")
    return redirect(url_for("ui_overview.overview", project_id=link.project_id))


def _sign_in_again(user) -> None:
    """A fresh session for the user (their session version changed, or they are new)."""
    session.clear()
    g.pop("csrf_token", None)
    login_user(user)
