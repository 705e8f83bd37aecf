"""Teams: members and roles, invitations and password resets by one-time link, in the CLI and the dashboard."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from gapwise.core.projects import team, users
from gapwise.db import db
from gapwise.errors import NotFound, Unprocessable
from gapwise.models import OneTimeLink
from gapwise.models.base import utcnow
from tests.test_cli import cli  # noqa: F401  (the fixture)
from tests.ui import PASSWORD, Browser, make_user

NEW_PASSWORD = "a much longer passphrase"


@pytest.fixture
def owner(app, project):
    make_user(app, "owner@example.com", project.id, "owner")
    return "owner@example.com"


def signed_in(app, email, password=PASSWORD) -> Browser:
    browser = Browser(app.test_client())
    assert browser.login(email, password).status_code == 302
    return browser


def test_the_last_owner_stays_and_every_refusal_says_why(app, project, owner):
    make_user(app, "ed@example.com", project.id, "editor")
    with app.app_context():
        with pytest.raises(Unprocessable, match="only owner"):
            team.set_role(db.session, project.id, owner, "editor")
        with pytest.raises(Unprocessable, match="only owner"):
            team.remove_member(db.session, project.id, owner)
        with pytest.raises(NotFound, match="No user with email 'ghost@example.com'"):
            team.remove_member(db.session, project.id, "ghost@example.com")
        users.create_user(db.session, "outsider@example.com", PASSWORD)
        with pytest.raises(NotFound, match="not a member"):
            team.remove_member(db.session, project.id, "outsider@example.com")
        with pytest.raises(Unprocessable, match="role must be one of"):
            team.set_role(db.session, project.id, "ed@example.com", "admin")
        team.set_role(db.session, project.id, "ed@example.com", "owner")
        team.set_role(db.session, project.id, owner, "viewer")  # another owner now: allowed
        assert [(m.email, m.role) for m in team.members(db.session, project.id)] == [
            ("ed@example.com", "owner"),
            ("owner@example.com", "viewer"),
        ]
        team.remove_member(db.session, project.id, owner)
        assert users.role_in(db.session, users.authenticate(db.session, "ed@example.com", PASSWORD).id, project.id)
        assert [m.email for m in team.members(db.session, project.id)] == ["ed@example.com"]
        with pytest.raises(Unprocessable, match="at least 10 characters"):
            users.create_user(db.session, "short@example.com", "short")


def test_an_invitation_link_makes_the_account_once_and_expires(app, project, owner):
    with app.app_context():
        outcome, token = team.invite(db.session, project.id, " New@Example.com ", "editor")
        assert outcome == "invited" and len(token) >= 40
        stored = db.session.scalar(select(OneTimeLink.token_hash))
        assert token not in stored and len(stored) == 64  # only a digest is kept
        assert [(i.email, i.role) for i in team.pending(db.session, project.id)] == [("new@example.com", "editor")]
        with pytest.raises(Unprocessable, match="at least 10"):
            team.accept(db.session, token, "short")
        user = team.accept(db.session, token, NEW_PASSWORD)
        assert users.role_in(db.session, user.id, project.id) == "editor"
        with pytest.raises(NotFound, match="used already"):
            team.accept(db.session, token, NEW_PASSWORD)
        assert team.pending(db.session, project.id) == []
        # Someone with an account is added at once; an old link stops when a new one is made, and expires.
        assert team.invite(db.session, project.id, "new@example.com", "viewer") == ("added", "")
        assert users.role_in(db.session, user.id, project.id) == "viewer"
        _, first = team.invite(db.session, project.id, "later@example.com", "viewer")
        _, second = team.invite(db.session, project.id, "later@example.com", "editor")
        with pytest.raises(NotFound, match="expired"):
            team.invitation(db.session, first)
        db.session.execute(update(OneTimeLink).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        with pytest.raises(NotFound, match="expired"):
            team.invitation(db.session, second)
        with pytest.raises(NotFound, match="not valid"):
            team.invitation(db.session, "made-up")


def test_the_cli_lists_adds_changes_removes_and_resets(app, project, owner, cli):  # noqa: F811
    assert "at least 10 characters" in cli("user", "create", "x@example.com", "--password", "short").output
    make_user(app, "ed@example.com")
    added = cli("user", "add-member", "ed@example.com", "--project", str(project.id), "--role", "editor")
    assert added.exit_code == 0 and "is now editor" in added.output
    invited = cli("user", "add-member", "new@example.com", "--project", str(project.id))
    assert invited.exit_code == 0 and re.search(r"/app/invite/[\w-]{40,}", invited.output)
    listed = cli("user", "list", "--project", str(project.id)).output
    assert "owner@example.com  owner" in listed and "ed@example.com  editor" in listed
    assert "new@example.com  viewer  invited" in listed
    refused = cli("user", "set-role", "owner@example.com", "--project", str(project.id), "--role", "viewer")
    assert refused.exit_code == 1 and "only owner" in refused.output
    assert cli("user", "set-role", "ed@example.com", "--project", str(project.id), "--role", "viewer").exit_code == 0
    assert cli("user", "remove-member", "ed@example.com", "--project", str(project.id)).exit_code == 0
    assert "ed@example.com" not in cli("user", "list", "--project", str(project.id)).output
    unknown = cli("user", "reset-password", "nobody@example.com")
    assert unknown.exit_code == 1 and "No user with email" in unknown.output
    reset = cli("user", "reset-password", "ed@example.com")
    token = re.search(r"/app/reset/([\w-]{40,})", reset.output).group(1)
    browser = Browser(app.test_client())
    page = f"/app/reset/{token}"
    assert "Choose a new password" in browser.client.get(page).get_data(as_text=True)
    assert browser.submit(page, page, {"password": NEW_PASSWORD, "repeat": "different!!"}).status_code == 422
    assert browser.submit(page, page, {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD}).status_code == 302
    assert browser.login("ed@example.com", PASSWORD).status_code == 401
    assert browser.login("ed@example.com", NEW_PASSWORD).status_code == 302
    assert browser.client.get(page).status_code == 404  # once


def test_an_owner_invites_from_the_dashboard_and_the_link_signs_the_new_member_in(app, project, owner):
    o = signed_in(app, owner)
    team_page = f"/app/p/{project.id}/team"
    shown = o.submit(team_page, f"{team_page}/invite", {"email": "pm@example.com", "role": "editor"})
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Send pm@example.com this link" in html
    link = re.search(r'id="invite-link" type="text" readonly value="([^"]+)"', html).group(1)
    path = "/app/invite/" + link.rsplit("/", 1)[1]
    bad = o.submit(team_page, f"{team_page}/invite", {"email": "not an email", "role": "editor"})
    assert bad.status_code == 422 and "is not an email address" in bad.get_data(as_text=True)

    newcomer = Browser(app.test_client())
    page = newcomer.client.get(path).get_data(as_text=True)
    assert "invited as editor" in page and "pm@example.com" in page
    assert newcomer.submit(path, path, {"password": "short", "repeat": "short"}).status_code == 422
    joined = newcomer.submit(path, path, {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert joined.status_code == 302 and joined.headers["Location"].endswith(f"/app/p/{project.id}/")
    assert newcomer.client.get(f"/app/p/{project.id}/").status_code == 200  # signed in, a member
    assert "pm@example.com" in o.client.get(team_page).get_data(as_text=True)


def test_roles_change_members_leave_after_a_confirmation_and_only_owners_may(app, project, owner):
    make_user(app, "ed@example.com", project.id, "editor")
    o = signed_in(app, owner)
    team_page = f"/app/p/{project.id}/team"
    assert o.submit(team_page, f"{team_page}/role", {"email": "ed@example.com", "role": "viewer"}).status_code == 302
    assert "ed@example.com is now viewer" in o.client.get(team_page).get_data(as_text=True)
    refused = o.submit(team_page, f"{team_page}/role", {"email": owner, "role": "viewer"})
    assert "Nothing was changed" in o.client.get(refused.headers["Location"]).get_data(as_text=True)
    asked = o.submit(team_page, f"{team_page}/remove", {"email": "ed@example.com"})
    assert "Remove ed@example.com from this project?" in asked.get_data(as_text=True)
    with app.app_context():
        assert len(team.members(db.session, project.id)) == 2  # not yet
    o.submit(team_page, f"{team_page}/remove", {"email": "ed@example.com", "confirm": "yes"})
    with app.app_context():
        assert [m.email for m in team.members(db.session, project.id)] == [owner]

    make_user(app, "vi@example.com", project.id, "viewer")
    viewer = signed_in(app, "vi@example.com")
    page = viewer.client.get(team_page).get_data(as_text=True)
    assert owner in page and "Invite someone" not in page
    denied = viewer.submit(team_page, f"{team_page}/invite", {"email": "x@example.com", "role": "owner"})
    assert denied.status_code == 403


def test_changing_ones_password_ends_the_other_sessions(app, project, owner):
    here, elsewhere = signed_in(app, owner), signed_in(app, owner)
    wrong = here.submit(
        "/app/account", "/app/account", {"current": "nope", "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )
    assert wrong.status_code == 422 and "current password is wrong" in wrong.get_data(as_text=True)
    changed = here.submit(
        "/app/account", "/app/account", {"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )
    assert changed.status_code == 302
    assert here.client.get(f"/app/p/{project.id}/team").status_code == 200  # this session goes on
    assert elsewhere.client.get(f"/app/p/{project.id}/team").status_code == 302  # the other was signed out
