"""A survey URL pattern can never freeze a visitor's page (Debian's Chromium): `(.+)+z` backtracks for hours on an
ordinary URL. Saved before the server checked patterns, it is never sent; sent anyway, the tracker refuses it."""

import json

import pytest

from gapwise.db import db
from gapwise.models import Project, Survey
from tests.browser.test_tracker_browser import loaded
from tests.test_surveys_api import CSAT, Api

pytestmark = pytest.mark.slow
CATASTROPHIC = "(.+)+z"
WIDGET = "gapwise-survey"
# A long URL without a "z": the pattern would try every way to split it before failing.
PAGE = "surveys.html?ref=" + "a" * 60

# The page's main thread beats every 20 ms: a gap between beats is time the page could not respond.
HEARTBEAT = """window.__beats = [];
setInterval(() => window.__beats.push(performance.now()), 20);"""
LONGEST_GAP = """() => window.__beats.slice(1).reduce((gap, t, i) => Math.max(gap, t - window.__beats[i]), 0)"""


@pytest.fixture
def survey_id(app, client, project):
    """An active page-view survey, for everyone, on pages matching a harmless pattern (any URL)."""
    with app.app_context():
        db.session.get(Project, project.id).survey_cooldown_hours = 0
        db.session.commit()
    body = {**CSAT, "status": "active", "targeting": {"url": {"match": "regex", "value": "^http"}}}
    created = Api(client, project.secret_key).post(json=body)
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def store_legacy_pattern(app, survey_id, pattern):
    """Write a pattern the way a survey saved before patterns were checked holds it, past the API."""
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        survey.targeting = {**survey.targeting, "url": {"match": "regex", "value": pattern}}
        db.session.commit()


def assert_responsive_without_survey(page):
    """The page answers within a second throughout, and shows no survey."""
    page.wait_for_timeout(1500)  # the config has arrived and the page view's surveys were checked
    page.wait_for_function("() => true", timeout=1000)
    assert page.evaluate(LONGEST_GAP) < 1000
    assert page.locator(WIDGET).count() == 0
    assert page.evaluate("window.__errors") == []


def test_a_stored_catastrophic_pattern_never_reaches_the_page(page, site, app, survey_id):
    store_legacy_pattern(app, survey_id, CATASTROPHIC)
    configs = []
    page.on("response", lambda r: configs.append(r) if "/v1/config" in r.url else None)
    page.add_init_script(HEARTBEAT)
    page.goto(site.url(PAGE))
    loaded(page)
    assert_responsive_without_survey(page)
    assert [c.json()["surveys"] for c in configs] == [[]]


def test_the_tracker_refuses_a_catastrophic_pattern_it_is_sent(page, site, survey_id):
    def catastrophic(route):
        """The real config, with the survey's pattern swapped for one no server would send today."""
        response = route.fetch()
        config = response.json()
        [survey] = config["surveys"]
        survey["url"] = {"match": "regex", "value": CATASTROPHIC}
        route.fulfill(response=response, body=json.dumps(config))

    page.route("**/v1/config?*", catastrophic)
    page.add_init_script(HEARTBEAT)
    page.goto(site.url(PAGE))
    loaded(page)
    assert_responsive_without_survey(page)


def test_a_safe_pattern_still_shows_its_survey(page, site, survey_id):
    page.add_init_script(HEARTBEAT)
    page.goto(site.url(PAGE))
    page.locator(f"{WIDGET} .q").wait_for(timeout=10_000)
    assert page.evaluate(LONGEST_GAP) < 1000
