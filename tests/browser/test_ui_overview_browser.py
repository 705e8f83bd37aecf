"""The overview and the gap report in Chromium: charts drawn, screenshots saved, 360 px wide, keyboard only."""

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from gapwise.core.gaps import report as gap_engine
from gapwise.db import db
from gapwise.demo import seed as demo
from gapwise.models import Gap
from tests.ui import make_user, sign_in

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHARTS = {"overview": ["chart-funnel", "chart-nps", "chart-rates"], "gaps": ["chart-matrix"]}
EMAIL = "pm@example.com"

# True when the chart has data and its canvas holds pixels (it differs from a blank canvas of its size).
DRAWN = """id => {
  const canvas = document.getElementById(id), chart = canvas && Chart.getChart(canvas);
  if (!chart || !chart.data.datasets.length || !chart.data.datasets[0].data.length) return false;
  const blank = document.createElement("canvas");
  blank.width = canvas.width; blank.height = canvas.height;
  return canvas.width > 0 && canvas.toDataURL() !== blank.toDataURL();
}"""
WIDE = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"


def seeded(app, people: int, days: int) -> int:
    """The demo project with fewer simulated people (the same planted gaps), and an editor who signs in."""
    with app.app_context():
        project_id = demo.seed(db.session, people=people, days=days).project_id
        gap_engine.evaluate(db.session, project_id)  # as the scheduler would: pages read what is stored
    make_user(app, EMAIL, project_id, "editor")
    return project_id


@pytest.fixture
def demo_project(app) -> int:
    return seeded(app, 120, 45)


@pytest.fixture
def small_demo(app) -> int:
    return seeded(app, 40, 30)


@pytest.fixture
def dashboard(page, gunicorn_server):
    """Chromium on the live server; collects script errors, CSP violations and failed requests."""
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.errors = errors
    return page


def charts_drawn(page, ids: list[str]) -> None:
    for chart_id in ids:
        page.wait_for_function(DRAWN, arg=chart_id)


def test_the_overview_and_gap_report_draw_their_charts_and_fit_360_px(
    dashboard, gunicorn_server, demo_project, backend
):
    page, base = dashboard, f"{gunicorn_server}/app/p/{demo_project}"
    sign_in(page, gunicorn_server, EMAIL)
    ARTIFACTS.mkdir(exist_ok=True)
    suffix = "" if backend == "sqlite" else f"-{backend}"
    page.goto(f"{base}/")
    charts_drawn(page, CHARTS["overview"])
    assert page.locator("table").first.locator("tbody tr").count() == 4  # the funnel's numbers, as text
    page.screenshot(path=ARTIFACTS / f"overview{suffix}.png", full_page=True)
    page.get_by_role("link", name="Gaps", exact=True).click()
    page.wait_for_url(f"{base}/gaps")
    charts_drawn(page, CHARTS["gaps"])
    assert page.locator("li.gap").count() >= 6
    page.screenshot(path=ARTIFACTS / f"gap-report{suffix}.png", full_page=True)

    page.set_viewport_size({"width": 360, "height": 740})
    for name, charts in (("overview", CHARTS["overview"]), ("gaps", CHARTS["gaps"]), ("people", []), ("person", [])):
        if name == "person":
            page.locator("table a[href*='/people/']").first.click()
            page.wait_for_url(re.compile(r".*/people/\d+$"))
        else:
            page.goto(f"{base}/{'' if name == 'overview' else name}")
        charts_drawn(page, charts)
        assert not page.evaluate(WIDE), f"the {name} page scrolls sideways at 360 px"
        assert page.evaluate(
            "() => document.querySelector('main').scrollWidth <= document.querySelector('main').clientWidth"
        ), name
        if name == "gaps":
            page.screenshot(path=ARTIFACTS / f"gap-report-360px{suffix}.png", full_page=True)
    assert page.errors == []


def test_a_remediation_is_filled_and_saved_with_the_keyboard_only(dashboard, gunicorn_server, small_demo, app):
    page = dashboard
    sign_in(page, gunicorn_server, EMAIL)
    page.goto(f"{gunicorn_server}/app/p/{small_demo}/gaps")
    first = page.locator("li.gap").first
    gap_id = int(first.get_attribute("id").removeprefix("gap-"))
    summary = f"#gap-{gap_id} summary"
    for _ in range(200):  # Tab from the top of the page to the first gap's "Edit remediation"
        if page.evaluate("s => document.activeElement === document.querySelector(s)", summary):
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("Edit remediation cannot be reached with Tab")
    page.keyboard.press("Enter")  # opens the form
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "owner"
    page.keyboard.type("Maya")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # open → acknowledged
    page.keyboard.press("ArrowDown")  # → in progress
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "dueDate"
    page.keyboard.type("12152026")
    page.keyboard.press("Tab")
    while page.evaluate("() => document.activeElement.name") != "note":  # past the date's own fields
        page.keyboard.press("Tab")
    page.keyboard.type("Show alerts in onboarding")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Save remediation"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf".*/gaps#gap-{gap_id}$"))
    assert page.get_by_role("status").inner_text().startswith("Remediation of ")
    with app.app_context():
        gap = db.session.scalar(select(Gap).where(Gap.id == gap_id))
        assert (gap.owner, gap.status, gap.note, gap.due_date) == (
            "Maya",
            "in_progress",
            "Show alerts in onboarding",
            date(2026, 12, 15),
        )
    assert page.errors == []
