"""The results page in Chromium: it fits the column on a laptop and a phone with long answers and long ids, its
NPS split filters the responses, themes group the open texts, and each response leads to its person."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.story import Story
from tests.test_surveys_api import NPS, Api
from tests.ui import make_user, sign_in

pytestmark = pytest.mark.slow
SLOW = ["Exports are so slow, the CSV export takes minutes", "CSV export is really slow for big reports"]
PRICE = ["Pricing is too expensive for a small team", "Too expensive, the price went up again"]
LONG = "a-very-long-user-identifier-without-any-space-" * 3


@pytest.fixture
def answered(app, client, project, batches):
    survey_id = Api(client, project.secret_key).post(json=NPS).get_json()["id"]
    story = Story(batches, datetime(2026, 11, 2, tzinfo=UTC))
    for i in range(24):
        detractor = i % 2 == 0
        text = (SLOW if i % 4 < 2 else PRICE)[i % 2] + f" ({i})"
        answers = {"score": 3 if detractor else 10, "detractor" if detractor else "promoter": text}
        story.answer(f"{LONG}{i}", survey_id, answers, i / 4)
    story.answer("essay", survey_id, {"score": 5, "detractor": "word" * 250}, 7)
    story.send()
    make_user(app, "pm@example.com", project.id, "viewer")
    return survey_id


def overflow(page) -> int:
    """How far the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_results_page_fits_the_column(gunicorn_server, project, answered, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, gunicorn_server, "pm@example.com")
    page.goto(f"{gunicorn_server}/app/p/{project.id}/surveys/{answered}")
    expect(page.locator("#analysis")).to_contain_text("NPS")
    assert overflow(page) == 0
    main = page.locator("main").bounding_box()
    for box in (page.locator(s).first.bounding_box() for s in ("#responses", ".question-result", ".themes")):
        assert box["x"] >= main["x"] - 1 and box["x"] + box["width"] <= main["x"] + main["width"] + 1


def test_a_pm_filters_by_detractors_reads_themes_and_opens_a_person(gunicorn_server, project, answered, page):
    sign_in(page, gunicorn_server, "pm@example.com")
    page.goto(f"{gunicorn_server}/app/p/{project.id}/surveys/{answered}")
    split = page.locator("table.split")
    expect(split.locator("tr.group-detractor td").first).to_have_text("13")
    expect(split.locator("tr.group-promoter td").first).to_have_text("12")

    # Each share's bar is drawn to its width: 12 of 25 scored 3 (48%), 1 scored 5, nobody scored 0.
    bars = page.locator("#q-score table.bars .bar")
    fill = [b.evaluate("e => e.firstElementChild.offsetWidth / e.offsetWidth") for b in bars.all()]
    assert fill[3] == pytest.approx(0.48, abs=0.01) and fill[5] == pytest.approx(0.04, abs=0.01) and fill[0] == 0

    # The detractors' open texts fall into two themes of six, plus the essay nobody else wrote.
    themes = page.locator("#q-detractor .theme:not(.theme-other) h4")
    expect(themes).to_have_count(2)
    assert sorted(re.search(r"(\d+) answers", t).group(1) for t in themes.all_inner_texts()) == ["6", "6"]

    split.get_by_role("link", name="Detractors (0–6)").click()
    expect(page).to_have_url(re.compile(r"answer=score(:|%3A)detractor"))
    expect(page.locator("li.response")).to_have_count(13)
    expect(page.locator("#f-answer")).to_have_value("score:detractor")
    first = page.locator("li.response a.person").first
    expect(first).to_have_text("essay")  # newest first
    first.click()
    expect(page.locator("h1")).to_contain_text("essay")
