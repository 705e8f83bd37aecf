"""Nudges in a real browser (Debian's Chromium): the tracker queues them, the widgets draw each kind in a
shadow root, keyboard first, and the holdout never sees one."""

import uuid

import pytest
from sqlalchemy import select

from gapwise.core.nudges.assignment import arm_of
from gapwise.db import db
from gapwise.models import Event, NudgeAssignment, Person, Project
from tests.browser.test_tracker_browser import loaded, until
from tests.helpers import AdminApi
from tests.test_features import EXPORT
from tests.test_features import Api as FeatureApi

pytestmark = pytest.mark.slow
NUDGE = "gapwise-nudge"
ALERTS = {**EXPORT, "key": "alerts", "name": "Alerts", "selector": "#alerts-btn", "event": "Alert Created"}


@pytest.fixture
def nudges(client, project, app):
    with app.app_context():
        db.session.get(Project, project.id).survey_cooldown_hours = 0
        db.session.commit()
    for feature in (EXPORT, ALERTS):
        assert FeatureApi(client, project.secret_key).post(json=feature).status_code == 201
    return AdminApi(client, project.secret_key, "nudges")


def create(nudges, **fields) -> int:
    body = {
        "name": "Find alerts",
        "kind": "banner",
        "status": "active",
        "body": "Alerts tell you when a metric moves.",
        "target": {"stage": "trial"},
        "metric": {"measure": "adoption", "feature": "alerts"},
        **fields,
    }
    made = nudges.post(json=body)
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def person_in(batches, app, nudge_id: int, holdout: float, arm: str) -> str:
    """A browser id whose person (already seen by Gapwise, in the trial stage) falls in `arm` of the nudge."""
    for _ in range(200):
        browser = f"b-{uuid.uuid4()}"
        message = {"type": "page", "messageId": str(uuid.uuid4()), "anonymousId": browser, "properties": {"path": "/"}}
        assert batches.post([message], sent_at=None).get_json()["rejected"] == []
        with app.app_context():
            person = db.session.scalar(select(Person.id).order_by(Person.id.desc()).limit(1))
        if arm_of(nudge_id, f"person:{person}", holdout) == arm:
            return browser
    raise AssertionError("no person fell in the arm")


def visit(page, site, browser: str, path="nudges.html"):
    """Open the host page as the browser `browser` (its anonymous id set before the tracker runs)."""
    page.add_init_script(f"localStorage.setItem('gw_aid', {browser!r})")
    page.goto(site.url(path))
    loaded(page)


def nudge_events(batches, nudge_id: int) -> list[str]:
    events = batches.all(Event, Event.type == "nudge", order_by=Event.id)
    return [
        e.name + (":" + e.properties["step"] if "step" in e.properties else "")
        for e in events
        if e.properties.get("nudgeId") == str(nudge_id)
    ]


def assignment(batches, nudge_id: int) -> NudgeAssignment:
    [row] = batches.all(NudgeAssignment, NudgeAssignment.nudge_id == nudge_id)
    return row


def active(page) -> str:
    """What has the keyboard focus, inside the nudge's shadow root or out: its class or id."""
    return page.evaluate(
        """() => { const host = document.querySelector("gapwise-nudge");
                   const el = (host && host.shadowRoot.activeElement) || document.activeElement;
                   return el.className || el.id || el.tagName; }"""
    )


def test_the_holdout_never_sees_the_nudge_and_treatment_does(page, site, nudges, batches, app, chromium):
    nudge_id = create(nudges, holdout=0.5, body="<img src=x onerror=alert(1)> Alerts are here")
    held = person_in(batches, app, nudge_id, 0.5, "holdout")
    treated = person_in(batches, app, nudge_id, 0.5, "treatment")

    visit(page, site, held)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)
    assert page.locator(NUDGE).count() == 0
    rows = {r.arm for r in batches.all(NudgeAssignment, NudgeAssignment.nudge_id == nudge_id)}
    assert rows == {"holdout"}  # assigned when first eligible, though never shown

    other = chromium.new_context().new_page()
    visit(other, site, treated)
    banner = other.locator(f"{NUDGE} [role=dialog]")
    banner.wait_for()
    assert banner.locator(".q").inner_text() == "<img src=x onerror=alert(1)> Alerts are here"  # text, not markup
    assert other.locator(f"{NUDGE} img").count() == 0
    until(other, lambda: nudge_events(batches, nudge_id) == ["shown"])
    assert {r.arm for r in batches.all(NudgeAssignment, NudgeAssignment.nudge_id == nudge_id)} == {
        "holdout",
        "treatment",
    }
    assert nudge_events(batches, nudge_id) == ["shown"]  # the holdout's browser sent nothing about it
    assert until(other, lambda: assignment_of(batches, nudge_id, "treatment").shown_at is not None)
    assert other.evaluate("window.__errors") == []
    other.context.close()


def assignment_of(batches, nudge_id, arm):
    [row] = batches.all(NudgeAssignment, NudgeAssignment.nudge_id == nudge_id, NudgeAssignment.arm == arm)
    return row


def test_a_banner_is_read_and_followed_by_keyboard(page, site, nudges, batches, app):
    nudge_id = create(
        nudges,
        holdout=0.05,
        title="New: alerts",
        cta={"label": "Set one up", "action": "url", "url": site.url("basic.html")},
    )
    visit(page, site, person_in(batches, app, nudge_id, 0.05, "treatment"))
    box = page.locator(f"{NUDGE} [role=dialog]")
    box.wait_for()
    assert box.get_attribute("aria-modal") == "false" and box.get_attribute("aria-labelledby") == "t"
    assert box.bounding_box()["y"] == 0  # across the top
    assert box.bounding_box()["width"] == page.viewport_size["width"]
    assert "box" in active(page)  # the banner itself has focus, so a screen reader reads it
    color = box.evaluate("el => getComputedStyle(el).color")
    assert color != "rgb(255, 0, 0)"  # the page's CSS does not reach in
    page.keyboard.press("Tab")
    assert active(page) == "x"
    page.keyboard.press("Tab")
    assert active(page) == "go"
    page.keyboard.press("Enter")
    page.wait_for_url("**/basic.html")
    until(page, lambda: nudge_events(batches, nudge_id) == ["shown", "clicked", "completed"])
    assert assignment(batches, nudge_id).finished_at is not None


def test_a_tooltip_points_at_its_feature_and_shows_me_it(page, site, nudges, batches, app):
    nudge_id = create(
        nudges,
        kind="tooltip",
        holdout=0.05,
        feature="alerts",
        title="Alerts",
        body="Get told when a metric moves.",
        cta={"label": "Show me", "action": "show_me"},
    )
    visit(page, site, person_in(batches, app, nudge_id, 0.05, "treatment"))
    tip = page.locator(f"{NUDGE} [role=dialog]")
    tip.wait_for()
    page.locator("#alerts-btn").scroll_into_view_if_needed()
    page.wait_for_timeout(100)
    button, box = page.locator("#alerts-btn").bounding_box(), tip.bounding_box()
    # Beside the button: just below or just above it, horizontally over it.
    assert (
        abs(box["y"] - (button["y"] + button["height"] + 10)) < 2
        or abs(box["y"] + box["height"] + 10 - button["y"]) < 2
    )
    assert box["x"] <= button["x"] + button["width"] / 2 <= box["x"] + box["width"]
    page.evaluate("window.scrollTo(0, 0)")
    tip.locator(".go").focus()
    page.keyboard.press("Enter")
    page.locator("gapwise-ring").wait_for(state="attached")
    until(
        page, lambda: page.evaluate("document.getElementById('alerts-btn').getBoundingClientRect().top < innerHeight")
    )
    until(page, lambda: nudge_events(batches, nudge_id) == ["shown", "clicked", "completed"])
    assert page.locator(NUDGE).count() == 0


def test_a_tooltip_without_its_feature_on_the_page_is_never_shown(page, site, nudges, batches, app):
    nudge_id = create(nudges, kind="tooltip", holdout=0.05, feature="alerts", body="Alerts")
    visit(page, site, person_in(batches, app, nudge_id, 0.05, "treatment"), path="basic.html")
    page.wait_for_timeout(1500)
    assert page.locator(NUDGE).count() == 0
    assert nudge_events(batches, nudge_id) == []


def test_a_modal_keeps_focus_inside_and_escape_dismisses_it(page, site, nudges, batches, app):
    nudge_id = create(
        nudges,
        kind="modal",
        holdout=0.05,
        title="Alerts are here",
        cta={"label": "Try alerts", "action": "url", "url": site.url("basic.html")},
    )
    browser = person_in(batches, app, nudge_id, 0.05, "treatment")
    visit(page, site, browser)
    box = page.locator(f"{NUDGE} [role=dialog]")
    box.wait_for()
    assert box.get_attribute("aria-modal") == "true"
    assert page.locator(f"{NUDGE} .backdrop").is_visible()
    assert active(page) == "go"  # the call to action has focus
    for expected in ("x", "go", "x"):  # Tab cycles inside the dialog
        page.keyboard.press("Tab")
        assert active(page) == expected
    page.keyboard.press("Shift+Tab")
    assert active(page) == "go"
    page.keyboard.press("Escape")
    assert page.locator(NUDGE).count() == 0
    until(page, lambda: nudge_events(batches, nudge_id) == ["shown", "dismissed"])
    until(page, lambda: assignment(batches, nudge_id).finished_at is not None)
    page.reload()  # dismissed: never offered again
    loaded(page)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)
    assert page.locator(NUDGE).count() == 0


def test_a_checklist_ticks_off_steps_as_features_are_used(page, site, nudges, batches, app):
    steps = [
        {"id": "export", "text": "Export a report", "feature": "export"},
        {"id": "alerts", "text": "Create an alert", "feature": "alerts"},
        {"id": "invite", "text": "Invite a teammate", "event": "Teammate Invited"},
    ]
    nudge_id = create(nudges, kind="checklist", holdout=0.05, title="Get started", steps=steps)
    browser = person_in(batches, app, nudge_id, 0.05, "treatment")
    visit(page, site, browser)
    box = page.locator(f"{NUDGE} [role=dialog]")
    box.wait_for()
    assert box.locator(".sub").inner_text() == "0 of 3 done"
    assert box.locator("li").all_inner_texts()[0].startswith("Export a report")
    page.locator("#export-btn").click()  # the step's feature, used in the page
    until(page, lambda: box.locator(".sub").inner_text() == "1 of 3 done")
    assert box.locator("li.done").count() == 1
    # "Show me" for the alerts step, by keyboard: the checklist follows the page in the tab order.
    assert active(page) == "export-btn"
    for expected in ("alerts-btn", "x", "o"):
        page.keyboard.press("Tab")
        assert active(page) == expected
    page.keyboard.press("Enter")
    page.locator("gapwise-ring").wait_for(state="attached")
    until(page, lambda: nudge_events(batches, nudge_id) == ["shown", "completed:export"])
    until(page, lambda: assignment(batches, nudge_id).steps == ["export"])

    # The event step happens anywhere (the server sees it); the next page's checklist shows it done.
    page.evaluate("gapwise.track('Teammate Invited'); gapwise.flush()")
    until(page, lambda: batches.all(Event, Event.name == "Teammate Invited"))
    page.reload()
    loaded(page)
    box.wait_for()
    assert box.locator(".sub").inner_text() == "2 of 3 done"
    page.locator("#alerts-btn").click()  # the last step: the checklist is complete
    until(page, lambda: box.locator(".sub").inner_text() == "3 of 3 done")
    until(page, lambda: "completed" in nudge_events(batches, nudge_id))
    page.locator(NUDGE).wait_for(state="detached")
    until(page, lambda: assignment(batches, nudge_id).finished_at is not None)
    assert page.evaluate("window.__errors") == []
