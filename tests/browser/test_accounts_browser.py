"""Accounts in Chromium: a viewer opens the accounts list from the nav, follows an account's name to its page, and
from there one of its people to their page."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.story import Story
from tests.ui import make_user, sign_in

pytestmark = pytest.mark.slow


def test_a_viewer_goes_from_the_accounts_list_to_an_account_and_one_of_its_people(
    app, page, gunicorn_server, batches, project
):
    s = Story(batches, datetime.now(UTC) - timedelta(days=20))
    s.person("ana@acme.test", 0, account="acme", mrr=1200)
    s.person("bo@acme.test", 1, account="acme", mrr=1200)
    s.person("cy@globex.test", 2, account="globex", mrr=300)
    for day in range(3, 18):
        s.page("ana@acme.test", day)
    s.send()
    make_user(app, "viewer@example.com", project.id, "viewer")
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, gunicorn_server, "viewer@example.com")

    page.get_by_role("navigation", name="Project").get_by_role("link", name="Accounts", exact=True).click()
    page.wait_for_url(f"{gunicorn_server}/app/p/{project.id}/accounts")
    expect(page.get_by_text("2 accounts match")).to_be_visible()
    acme = page.get_by_role("row").filter(has=page.get_by_role("link", name="acme", exact=True))
    expect(acme.get_by_role("cell").nth(1)).to_have_text("1,200")  # MRR, after the plan
    expect(acme.get_by_role("cell").nth(2)).to_have_text("2")  # people

    page.get_by_label("Name or external id").fill("glob")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 account matches")).to_be_visible()
    page.get_by_role("link", name="Clear").click()

    page.get_by_role("link", name="acme", exact=True).click()
    page.wait_for_url(re.compile(rf".*/app/p/{project.id}/accounts/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("acme")
    expect(page.get_by_text("100 / 100")).to_be_visible()

    page.get_by_role("link", name="ana@acme.test").click()
    page.wait_for_url(re.compile(rf".*/app/p/{project.id}/people/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("ana@acme.test")
    page.get_by_role("link", name="acme", exact=True).click()  # and back by the account's name
    expect(page.get_by_role("heading", level=1)).to_have_text("acme")
    assert problems == []
