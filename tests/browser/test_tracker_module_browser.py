"""The npm module (@gapwise/tracker's esm/gapwise.mjs) in a real browser, imported by a page as an app's bundle
would import it, against `gapwise serve`: the same tracker as the snippet's, on an object of its own."""

from pathlib import Path

import pytest

from gapwise.models import Event, Person
from tests.browser.support import wait_for

pytestmark = pytest.mark.slow

MODULE = Path(__file__).resolve().parents[2] / "sdk_js" / "esm" / "gapwise.mjs"


@pytest.fixture
def module_page(page, site):
    """module.html, its import of the package answered with the built module."""
    page.route(
        "**/node_modules/@gapwise/tracker/esm/gapwise.mjs",
        lambda route: route.fulfill(body=MODULE.read_text(), content_type="text/javascript"),
    )
    page.goto(site.url("module.html"))
    page.wait_for_function("() => window.__app", timeout=10_000)
    return page


def test_init_returns_one_tracker_that_sends_and_leaves_window_gapwise_alone(module_page, batches):
    page = module_page
    app = "window.__app"
    assert page.evaluate(f"() => {app}.again === {app}.gapwise && {app}.other === {app}.gapwise")
    assert page.evaluate("() => 'gapwise' in window") is False
    warnings = page.evaluate("() => window.__warnings")
    assert len(warnings) == 1 and "already called" in warnings[0]  # the other write key; the same one is silent

    page.evaluate("() => window.__app.navigate('/module/reports')")
    page.evaluate("() => window.__app.gapwise.flush()")
    events = wait_for(lambda: len(batches.all(Event)) >= 4 and batches.all(Event, order_by=Event.id), page=page)
    assert [(e.type, e.name) for e in events] == [
        ("page", "/module.html"),  # init's page view; the identify after it joins it to the user
        ("identify", None),
        ("track", "Module Loaded"),
        ("page", "/module/reports"),
    ]
    [person] = batches.all(Person)
    assert person.user_id == "user-7" and person.traits == {"email": "grace@example.com"}
    assert {e.person_id for e in events} == {person.id}
    assert events[2].context["library"]["name"] == "gapwise.js"
