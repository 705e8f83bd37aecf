"""A team in Chromium: an owner invites a teammate by keyboard, the teammate opens the one-time link in their own
browser, chooses a password and lands in the project; then the owner changes their role."""

import pytest
from playwright.sync_api import expect

from tests.ui import make_user, sign_in

pytestmark = pytest.mark.slow


def test_an_owner_invites_a_teammate_who_joins_by_the_link(app, chromium, page, gunicorn_server, project):
    make_user(app, "owner@example.com", project.id, "owner")
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, gunicorn_server, "owner@example.com")
    page.goto(f"{gunicorn_server}/app/p/{project.id}/team")
    page.get_by_label("Email").fill("pm@example.com")
    page.get_by_label("Role", exact=True).select_option("editor")
    page.get_by_label("Role", exact=True).press("Tab")
    page.keyboard.press("Enter")  # the Invite button, by keyboard
    link = page.locator("#invite-link")
    expect(link).to_be_visible()
    url = link.input_value()
    assert url.startswith(gunicorn_server + "/app/invite/")

    teammate = chromium.new_context(viewport={"width": 390, "height": 844}).new_page()
    teammate.goto(url)
    expect(teammate.get_by_text("invited as editor")).to_be_visible()
    teammate.get_by_label("Password (at least 10 characters)").fill("a much longer passphrase")
    teammate.get_by_label("Password again").fill("a much longer passphrase")
    teammate.get_by_role("button", name="Make my account").click()
    teammate.wait_for_url(f"{gunicorn_server}/app/p/{project.id}/")
    expect(teammate.get_by_text("pm@example.com · editor")).to_be_visible()
    teammate.goto(url)  # once only
    expect(teammate.get_by_text("This link was used already")).to_be_visible()
    teammate.context.close()

    page.goto(f"{gunicorn_server}/app/p/{project.id}/team")
    page.get_by_label("Role of pm@example.com").select_option("viewer")
    page.locator("tr", has_text="pm@example.com").get_by_role("button", name="Change").click()
    expect(page.get_by_text("pm@example.com is now viewer.")).to_be_visible()
    assert problems == []
