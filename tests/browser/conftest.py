"""Browser fixtures: one Debian Chromium per run (Playwright drives it), a fresh context per test, and the
host site on its own origin, sending to `gapwise serve` (the gunicorn_server fixture)."""

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, HostSite


@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(gunicorn_server, project):
    host_site = HostSite(gunicorn_server, project.write_key)
    yield host_site
    host_site.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    yield page
    context.close()
