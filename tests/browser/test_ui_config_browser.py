"""The configuration pages in Chromium: an editor builds a segment and watches its live count, then adds a feature
with the keyboard alone; the server stores what was built, and the pages run under their CSP without errors."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from gapwise.db import db
from gapwise.models import Feature, Segment
from tests.helpers import message
from tests.ui import make_user, sign_in

pytestmark = pytest.mark.slow


def test_an_editor_builds_a_segment_with_a_live_count_and_adds_a_feature_by_keyboard(
    app, page, gunicorn_server, project, batches
):
    people = [{"plan": "pro", "seats": 5}, {"plan": "pro", "seats": 50}, {"plan": "free", "seats": 80}]
    sent = [message("identify", userId=f"u{i}", anonymousId=f"a{i}", traits=t) for i, t in enumerate(people)]
    assert batches.post(sent).get_json()["accepted"] == 3
    make_user(app, "editor@example.com", project.id, "editor")
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "404" not in m.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    # Any missing file but the favicon (browsers ask for it on their own) is a broken page.
    page.on("response", lambda r: problems.append(r.url) if r.status == 404 and "favicon" not in r.url else None)
    sign_in(page, gunicorn_server, "editor@example.com")

    page.goto(f"{gunicorn_server}/app/p/{project.id}/segments/new")
    count = page.locator("#segment-count")
    expect(count).to_have_text("3 people match these rules now.")  # no rules yet: everyone
    page.fill("#f-key", "big-pro")
    page.fill("#f-name", "Pro teams <b>big</b>")
    builder = page.locator("#rules-builder")
    builder.get_by_role("button", name="Add a rule").click()
    first = builder.locator("li.rule").nth(0)
    expect(first.get_by_label("Rule on")).to_be_focused()
    first.get_by_label("Trait").fill("plan")
    first.get_by_label("Value").fill("pro")
    expect(count).to_have_text("2 people match these rules now.")
    builder.get_by_role("button", name="Add a rule").click()
    second = builder.locator("li.rule").nth(1)
    second.get_by_label("Trait").fill("seats")
    second.get_by_label("Test").select_option("gte")
    second.get_by_label("Value").fill("10")
    expect(count).to_have_text("1 person matches these rules now.")
    page.get_by_role("button", name="Save segment").click()
    expect(page.locator(".flash")).to_contain_text("saved: 1 person matches now")
    with app.app_context():
        segment = db.session.scalar(select(Segment))
        assert (segment.key, segment.name) == ("big-pro", "Pro teams <b>big</b>")
        assert segment.rules == {
            "match": "all",
            "conditions": [
                {"field": "trait", "key": "plan", "op": "eq", "value": "pro"},
                {"field": "trait", "key": "seats", "op": "gte", "value": 10},
            ],
        }
    expect(page.get_by_role("link", name="Pro teams <b>big</b>")).to_be_visible()

    page.goto(f"{gunicorn_server}/app/p/{project.id}/features/new")
    page.focus("#f-key")
    keys = page.keyboard
    keys.type("export")
    for field, typed in [("#f-name", "Export"), ("#f-selector", "#export-button"), ("#f-event", "Report Exported")]:
        keys.press("Tab")
        expect(page.locator(field)).to_be_focused()
        keys.type(typed)
    keys.press("Tab")
    expect(page.locator("#f-core")).to_be_focused()
    keys.press("Space")
    keys.press("Tab")
    keys.press("Tab")
    keys.press("Tab")
    expect(page.locator("#f-goals")).to_be_focused()
    keys.type("reporting, sharing")
    keys.press("Tab")
    expect(page.locator("#f-effort")).to_be_focused()
    keys.press("ArrowDown")
    keys.press("Tab")
    expect(page.get_by_role("button", name="Save feature")).to_be_focused()
    keys.press("Enter")
    page.wait_for_url(re.compile(r".*/features$"))
    expect(page.locator(".flash")).to_contain_text("Feature 'Export' saved.")
    with app.app_context():
        feature = db.session.scalar(select(Feature))
        assert (
            feature.key,
            feature.selector,
            feature.event,
            feature.core,
            feature.aha,
            feature.goals,
            feature.effort,
        ) == ("export", "#export-button", "Report Exported", True, False, ["reporting", "sharing"], 4)
    assert problems == []


def test_the_segment_editor_never_throws_checks_rules_itself_suggests_and_warns(
    app, page, gunicorn_server, project, batches
):
    people = [{"plan": "pro"}, {"plan": "pro"}, {"plan": "free", "role": "pm"}]
    sent = [message("identify", userId=f"u{i}", anonymousId=f"a{i}", traits=t) for i, t in enumerate(people)]
    assert batches.post(sent).get_json()["accepted"] == 3
    make_user(app, "editor@example.com", project.id, "editor")
    problems, counts = [], []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda r: counts.append(r.url) if r.url.endswith("/segments/count") else None)
    sign_in(page, gunicorn_server, "editor@example.com")
    page.goto(f"{gunicorn_server}/app/p/{project.id}/segments/new")
    count = page.locator("#segment-count")
    expect(count).to_have_text("3 people match these rules now.")
    builder = page.locator("#rules-builder")
    builder.get_by_role("button", name="Add a rule").click()
    rule = builder.locator("li.rule").nth(0)
    expect(count).to_have_text("Not counted yet: Rule 1 needs a name.")  # said without asking the server
    before = len(counts)
    rule.get_by_label("Rule on").select_option("stage")  # this threw a TypeError once
    expect(rule.get_by_label("Stage")).to_be_visible()
    expect(count).to_have_text("3 people match these rules now.")  # everyone is in trial
    rule.get_by_label("Rule on").select_option("trait")
    expect(count).to_have_text("Not counted yet: Rule 1 needs a name.")
    assert len(counts) == before + 1  # only the complete stage rule was counted by the server
    # Trait names and values people have are suggested.
    names = page.evaluate("[...document.getElementById('trait-keys').options].map((o) => o.value)")
    assert names[:2] == ["plan", "role"]
    rule.get_by_label("Trait").fill("plan")
    values_list = rule.get_by_label("Value").get_attribute("list")
    values = page.evaluate(f"[...document.getElementById('{values_list}').options].map((o) => o.value)")
    assert values == ["pro", "free"]
    rule.get_by_label("Value").fill("enterprise")
    expect(count).to_contain_text("0 people match these rules now.")
    expect(count.locator(".warning")).to_contain_text("Nobody")
    assert problems == []
