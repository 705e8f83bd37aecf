"""Helpers for dashboard tests: users with a role, a signed-in test client with CSRF tokens, a signed-in browser."""

import re
from html.parser import HTMLParser
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


class FormFields(HTMLParser):
    """The fields a browser submits from one form of a page (not those in <template>): the form whose
    `attribute` ("action", "id") is `value`. Unchecked boxes and radios, and disabled fields, are left out."""

    def __init__(self, value: str, attribute: str = "action"):
        super().__init__()
        self.value, self.attribute, self.inside, self.template, self.fields = value, attribute, False, 0, []
        self._select: list | None = None
        self._textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get(self.attribute) == self.value
        elif tag == "template":
            self.template += 1
        if not self.inside or self.template or "disabled" in a:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = [a["name"], None, None]
        elif tag == "option" and self._select:
            self._select[2] = self._select[2] if self._select[2] is not None else a.get("value", "")
            if "selected" in a:
                self._select[1] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "template":
            self.template -= 1
        elif tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            name, chosen, first = self._select
            self.fields.append((name, chosen if chosen is not None else first or ""))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea[0], self._textarea[1].removeprefix("\n")))
            self._textarea = None
