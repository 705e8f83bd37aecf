"""Survey URL patterns: only those that run in linear time are saved, by the API and the dashboard alike; one saved
before the check never matches (the tracker never gets its survey)."""

import re

import pytest

from gapwise.core.surveys import url_rules
from gapwise.db import db
from gapwise.models import Survey
from tests.test_surveys_api import NPS, Api
from tests.test_ui_surveys import Site, editor_form

SAFE = [
    "^/app/(settings|billing)",
    "/docs/.*",
    r"^https://example\.com/p/[0-9]+$",
    r"/reports/\d+$",
    r"/docs/.*\.html?",
    "^/app/.*/settings/.*",  # two open-ended repeats after a leading ^
    "(?:/en|/fr)/pricing",
    r"[\w-]+\.example\.com",
    "/p/[^/]{1,40}/edit",
    "/a+?b",
]
UNSAFE = [
    # [pattern, words of the reason]
    ["(.+)+z", "A group may hold only plain alternatives"],
    ["(a*)*", "A group may hold only plain alternatives"],
    ["(a|a)*", "A group cannot be repeated"],
    ["(a+)+$", "A group may hold only plain alternatives"],
    ["(ab){2,}", "A group cannot be repeated"],
    ["a**", "a repeat cannot be repeated"],
    [r"(a)\1", "Backreferences"],
    [r"(?<x>a)\k<x>", "Only plain groups"],
    [r"/\k<x>", "Backreferences"],
    ["/x(?=y)", "Lookahead and lookbehind"],
    ["/x(?!y)", "Lookahead and lookbehind"],
    ["(?<=/app)/x", "Lookahead and lookbehind"],
    ["(?<!/app)/x", "Lookahead and lookbehind"],
    ["/" + "a" * 200, "at most 200 characters"],
    [".*.*z", "could take too long"],
    ["^.*.*.*z", "could take too long"],
    ["a?" * 20 + "z", "could take too long"],
    [".{0,1000}.{0,1000}z", "could take too long"],
    ["/app|/admin", "Put alternatives in a group"],
    [r"\p{L}+", r"'\p' is not allowed"],
    ["[a-z", "not closed"],
    ["a{", "Write a count"],
    # Refused by the tracker's guard, which does not parse: refused here too, so every saved pattern runs.
    [r"/\)+", "Avoid ')' before a repeat"],
    [r"/\\1", "Avoid ')' before a repeat"],
]


def compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


# Those that are not regular expressions at all are refused as such first (tests/test_surveys_api.py).
REGULAR = [row for row in UNSAFE if compiles(row[0])]


@pytest.fixture
def api(client, project):
    return Api(client, project.secret_key)


def with_url(value):
    return {**NPS, "targeting": {**NPS["targeting"], "url": {"match": "regex", "value": value}}}


@pytest.mark.parametrize("pattern", SAFE)
def test_linear_patterns_are_in_the_subset(pattern):
    assert url_rules.problem(pattern) is None


@pytest.mark.parametrize("pattern, reason", UNSAFE)
def test_patterns_that_can_backtrack_badly_are_out_with_their_reason(pattern, reason):
    assert reason in url_rules.problem(pattern)


@pytest.mark.parametrize("pattern", SAFE)
def test_the_api_saves_ordinary_patterns(api, pattern):
    created = api.post(json=with_url(pattern))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["targeting"]["url"] == {"match": "regex", "value": pattern}


@pytest.mark.parametrize("pattern, reason", REGULAR)
def test_the_api_refuses_unsafe_patterns_naming_the_field(api, pattern, reason):
    refused = api.post(json=with_url(pattern))
    assert refused.status_code == 422
    [message] = refused.get_json()["errors"]["targeting"]["url"]["value"]
    assert reason in message
    assert api.get().get_json()["surveys"] == []


def test_a_change_to_an_unsafe_pattern_is_refused_and_changes_nothing(api):
    survey = api.post(json=with_url("/docs/.*")).get_json()
    refused = api.patch(f"/{survey['id']}", json={"targeting": {"url": {"match": "regex", "value": "(a|a)*"}}})
    assert refused.status_code == 422
    assert "targeting" in refused.get_json()["errors"]
    assert api.get(f"/{survey['id']}").get_json()["targeting"]["url"]["value"] == "/docs/.*"


def test_contains_and_exact_rules_are_text_not_patterns(api):
    for match in ("contains", "exact"):
        body = {**NPS, "targeting": {"url": {"match": match, "value": "(.+)+z"}}}
        assert api.post(json=body).status_code == 201


@pytest.fixture
def site(app, client, project, other_project, batches):
    survey_id = Api(client, project.secret_key).post(json=NPS).get_json()["id"]
    return Site(app, client, project, other_project, survey_id, batches)


def test_the_dashboard_form_shows_the_reason_next_to_the_url_field(site):
    browser = site.as_("ed@example.com")
    edit = f"{site.base}/{site.survey_id}/edit"
    data = {**editor_form(site), "targeting.urlMatch": "regex", "targeting.urlValue": "(.+)+z"}
    before = site.stored()
    answer = browser.submit(edit, edit, data)
    assert answer.status_code == 422 and site.stored() == before
    page = answer.get_data(as_text=True)
    assert "A group may hold only plain alternatives" in page.split('id="err-targeting.urlValue">', 1)[1][:400]


def store_legacy_pattern(app, survey_id, pattern):
    """Write a URL pattern the way a survey saved before the check holds it, past the service."""
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        survey.targeting = {**survey.targeting, "url": {"match": "regex", "value": pattern}}
        db.session.commit()
    app.extensions.get("gapwise.config_cache", {}).clear()


def test_a_stored_unsafe_pattern_never_matches_and_is_never_sent(app, client, project, api):
    page_view = {**NPS, "targeting": {"url": {"match": "regex", "value": "^http"}}}  # due on any page
    survey_id = api.post(json=page_view).get_json()["id"]
    config = f"/v1/config?writeKey={project.write_key}&anonymousId=visitor"
    assert [s["id"] for s in client.get(config).get_json()["surveys"]] == [str(survey_id)]

    store_legacy_pattern(app, survey_id, "(.+)+z")
    assert client.get(config).get_json()["surveys"] == []
    why = api.get(f"/{survey_id}/eligibility?person=visitor").get_json()
    assert why["eligible"] is False
    [url] = [c for c in why["checks"] if c["rule"] == "url"]
    assert url["passed"] is False and "never matches" in url["reason"]
    # Saving the survey again asks for a safe pattern; pausing it still works.
    assert api.patch(f"/{survey_id}", json={"targeting": {"priority": 1}}).status_code == 422
    assert api.patch(f"/{survey_id}", json={"status": "paused"}).status_code == 200
