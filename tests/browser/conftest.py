"""Browser fixtures: one Debian Chromium per run (Playwright drives it), a fresh context per test, the host
site on its own origin, sending to `gapwise serve` (the gunicorn_server fixture), on SQLite."""

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, HostSite


@pytest.fixture(params=["sqlite"])
def backend(request):
    """Pages, the snippet and widgets are tried in Chromium on SQLite only: what they store goes through the
    services, which the rest of the suite tries on both databases (and a browser run costs seconds)."""
    return request.param


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
