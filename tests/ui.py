"""Helpers for dashboard tests: users with a role, a signed-in test client with CSRF tokens, a signed-in browser."""

import re
from typing import TYPE_CHECKING

from gapwise.core.projects import users
from gapwise.db import db

if TYPE_CHECKING:  # the browser helpers take a page; other tests never import Playwright
    from playwright.sync_api import Page

PASSWORD = "correct horse battery"


def make_user(app, email: str, project_id: int | None = None, role: str = "viewer") -> int:
    """A dashboard user (password PASSWORD), with a role in the project when given."""
    with app.app_context():
        user = users.create_user(db.session, email, PASSWORD)
        if project_id:
            users.grant(db.session, user.id, project_id, role)
        return user.id


class Browser:
    """A dashboard visitor on the Flask test client: signs in, and posts forms with the page's CSRF token."""

    def __init__(self, client):
        self.client = client

    def token(self, path: str = "/app/login") -> str:
        page = self.client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def login(self, email: str, password: str = PASSWORD, **kwargs):
        return self.client.post(
            "/app/login", data={"email": email, "password": password, "csrf_token": self.token()}, **kwargs
        )

    def submit(self, form_page: str, action: str, data: dict):
        """Post a form the way the browser does: with the CSRF token of the page that holds it."""
        return self.client.post(action, data={**data, "csrf_token": self.token(form_page)})


def sign_in(page: "Page", base_url: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real form in Chromium."""
    page.goto(f"{base_url}/app/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/app/(p/\d+/)?$"))
