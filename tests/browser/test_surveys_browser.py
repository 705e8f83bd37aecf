"""Surveys in a real browser: the tracker, the widgets and the server together (Debian's Chromium)."""

import datetime as dt
from datetime import timedelta

import pytest
from sqlalchemy import select

from gapwise.core.surveys.targeting import in_sample
from gapwise.db import db
from gapwise.models import Display, Person, Project, Response
from tests.browser.test_tracker_browser import loaded, until
from tests.test_features import Api as FeatureApi
from tests.test_surveys_api import CSAT, NPS, WELCOME, Api

pytestmark = pytest.mark.slow
WIDGET = "gapwise-survey"


@pytest.fixture
def surveys(client, project, app):
    with app.app_context():
        db.session.get(Project, project.id).survey_cooldown_hours = 0
        db.session.commit()
    return Api(client, project.secret_key)


def create(surveys, survey, **targeting):
    body = {**survey, "status": "active", "targeting": {**survey.get("targeting", {}), **targeting}}
    response = surveys.post(json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def question(page):
    return page.locator(f"{WIDGET} .q")


def choose(page, label):
    page.locator(f"{WIDGET} [role=dialog] button", has_text=label).first.click()


def responses(batches, survey_id):
    return batches.all(Response, Response.survey_id == survey_id)


def test_a_welcome_screen_on_first_visit_sets_the_persons_trait(page, site, surveys, batches):
    survey_id = create(surveys, WELCOME)
    page.goto(site.url("surveys.html"))
    question(page).wait_for()
    assert question(page).inner_text() == "What is your role?"
    choose(page, "Product manager")
    choose(page, "Reporting")
    choose(page, "Next")
    choose(page, "6")
    [response] = until(page, lambda: [r for r in responses(batches, survey_id) if r.completed])
    assert response.answers == {"role": "pm", "goals": ["reporting"], "expect": 6}
    assert response.stage == "trial"
    person = batches.all(Person, Person.id == response.person_id)[0]
    assert person.traits["role"] == "pm"
    assert page.evaluate("window.__errors") == []


def test_an_nps_triggered_by_an_event_after_its_delay_with_a_follow_up(page, site, surveys, batches):
    survey_id = create(surveys, NPS)  # trigger: the event "Report Exported", 3 s later
    page.goto(site.url("surveys.html"))
    loaded(page)
    page.wait_for_timeout(1000)
    assert page.locator(WIDGET).count() == 0
    page.evaluate("gapwise.track('Report Exported')")
    page.wait_for_timeout(1500)
    assert page.locator(WIDGET).count() == 0  # still inside the delay
    question(page).wait_for(timeout=5000)
    choose(page, "3")
    assert question(page).inner_text() == "What disappointed you?"
    page.locator(f"{WIDGET} textarea").fill("Exports are too slow")
    choose(page, "Submit")
    [response] = until(page, lambda: [r for r in responses(batches, survey_id) if r.completed])
    assert response.score == 3.0
    assert response.answers == {"score": 3, "detractor": "Exports are too slow"}
    assert page.evaluate("window.__events") == [
        ["survey:shown", str(survey_id)],
        ["survey:answered", str(survey_id)],
        ["survey:answered", str(survey_id)],
        ["survey:answered", str(survey_id)],
    ]


def test_a_csat_triggered_by_a_tagged_feature_click(client, project, page, site, surveys, batches):
    FeatureApi(client, project.secret_key).post(json={"key": "share", "name": "Share", "selector": "#share-btn"})
    survey_id = create(surveys, CSAT, trigger={"type": "feature", "feature": "share", "delay": 0})
    page.goto(site.url("surveys.html"))
    loaded(page)
    page.click("#plain-btn")
    page.wait_for_timeout(800)
    assert page.locator(WIDGET).count() == 0
    page.click("#share-btn")
    question(page).wait_for(timeout=5000)
    choose(page, "4")
    [response] = until(page, lambda: [r for r in responses(batches, survey_id) if r.completed])
    assert response.score == 4.0


def test_a_dismissed_survey_waits_out_its_recontact_window(app, page, site, surveys, batches):
    create(surveys, CSAT, trigger={"type": "pageview", "delay": 0}, recontactDays=30)
    page.clock.install()
    page.goto(site.url("surveys.html"))
    question(page).wait_for(timeout=5000)
    page.keyboard.press("Escape")
    until(page, lambda: [d for d in batches.all(Display) if d.dismissed_at])
    page.reload()
    loaded(page)
    page.wait_for_timeout(1500)
    assert page.locator(WIDGET).count() == 0  # inside the window
    with app.app_context():  # 31 days pass, for the server...
        for display in db.session.scalars(select(Display)):
            display.shown_at -= timedelta(days=31)
            display.dismissed_at -= timedelta(days=31)
        db.session.commit()
    later = dt.datetime.now(dt.UTC) + timedelta(days=31)
    page.clock.set_system_time(later)  # ...and for the browser's own cache of what it showed
    page.reload()
    question(page).wait_for(timeout=5000)
    until(page, lambda: batches.count(Display) == 2)


def test_sampling_is_sticky_across_reloads(page, site, surveys):
    survey_id = create(surveys, CSAT, sampleRate=0.5, trigger={"type": "pageview", "delay": 0}, recontactDays=0)
    offered = []
    page.on("response", lambda r: offered.append(r.json()["surveys"]) if "/v1/config" in r.url else None)
    page.goto(site.url("surveys.html"))
    loaded(page)
    anonymous_id = page.evaluate("localStorage.getItem('gw_aid')")
    expected = in_sample(survey_id, anonymous_id, 0.5)
    page.wait_for_timeout(1500)
    assert (page.locator(WIDGET).count() == 1) == expected
    if expected:
        page.keyboard.press("Escape")
    for _ in range(2):
        page.reload()
        loaded(page)
        page.wait_for_timeout(800)
    assert len(offered) == 3
    assert {bool(o) for o in offered} == {expected}


def test_two_due_surveys_the_best_first_and_one_a_page(page, site, surveys, batches):
    low = create(surveys, CSAT, trigger={"type": "immediate", "delay": 0}, priority=1)
    high = create(surveys, NPS, trigger={"type": "immediate", "delay": 0}, priority=9)
    page.goto(site.url("surveys.html"))
    question(page).wait_for(timeout=5000)
    assert question(page).inner_text() == "How likely are you to recommend us?"
    assert page.locator(WIDGET).count() == 1
    page.keyboard.press("Escape")
    page.wait_for_timeout(1500)
    assert page.locator(WIDGET).count() == 0  # one survey a page: the CSAT waits
    until(page, lambda: [d.survey_id for d in batches.all(Display) if d.dismissed_at] == [high])
    page.reload()  # the next page (the project's cooldown is 0 here)
    question(page).wait_for(timeout=5000)
    assert question(page).inner_text().startswith("How satisfied")
    page.keyboard.press("Escape")
    shown = until(page, lambda: len(batches.all(Display)) == 2 and batches.all(Display, order_by=Display.shown_at))
    assert [d.survey_id for d in shown] == [high, low]


def test_aggressive_page_css_and_the_widget_leave_each_other_alone(page, site, surveys):
    create(surveys, CSAT, trigger={"type": "immediate", "delay": 0})
    page.goto(site.url("surveys.html"))
    question(page).wait_for(timeout=5000)
    inside = page.evaluate("""() => {
        const root = document.querySelector('gapwise-survey').shadowRoot;
        const q = getComputedStyle(root.querySelector('.q'));
        const b = getComputedStyle(root.querySelector('[role=radio]'));
        return {color: q.color, size: q.fontSize, font: q.fontFamily, button: b.backgroundColor};
    }""")
    assert inside["color"] != "rgb(255, 0, 0)" and inside["size"] != "40px" and inside["font"] != "serif"
    assert inside["button"] != "rgb(255, 255, 0)"
    outside = page.evaluate("""() => ({para: getComputedStyle(document.getElementById('para')).color,
        button: getComputedStyle(document.getElementById('plain-btn')).backgroundColor,
        size: getComputedStyle(document.body).fontSize})""")
    assert outside == {"para": "rgb(255, 0, 0)", "button": "rgb(255, 255, 0)", "size": "40px"}


def test_survey_text_is_shown_literally_never_as_html(page, site, surveys):
    xss = "<img src=x onerror=alert(1)>"
    create(
        surveys,
        {**CSAT, "questions": [{"id": "c", "type": "rating", "scale": 5, "text": xss}]},
        trigger={"type": "immediate", "delay": 0},
    )
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(site.url("surveys.html"))
    question(page).wait_for(timeout=5000)
    assert question(page).inner_text() == xss
    assert page.evaluate("document.querySelector('gapwise-survey').shadowRoot.querySelectorAll('img').length") == 0
    page.wait_for_timeout(300)
    assert dialogs == [] and page.evaluate("window.__errors") == []


def test_keyboard_only_answering(page, site, surveys, batches):
    survey_id = create(surveys, NPS, trigger={"type": "immediate", "delay": 0})
    page.goto(site.url("surveys.html"))
    question(page).wait_for(timeout=5000)
    focused = (
        "() => { const r = document.querySelector('gapwise-survey').shadowRoot; "
        "return r.activeElement && r.activeElement.textContent; }"
    )
    # The question has the focus, so no option looks chosen; Tab reaches the answers.
    page.wait_for_function("() => document.querySelector('gapwise-survey').shadowRoot.activeElement?.id === 'q'")
    assert page.locator(f"{WIDGET} [aria-checked=true]").count() == 0
    page.keyboard.press("Tab")
    page.wait_for_function(f"({focused})() === '0'")
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    assert page.evaluate(focused) == "9"
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('gapwise-survey').shadowRoot.activeElement?.tagName === 'TEXTAREA'"
    )
    page.keyboard.type("Fast exports")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    [response] = until(page, lambda: [r for r in responses(batches, survey_id) if r.completed])
    assert response.answers == {"score": 9, "promoter": "Fast exports"}


def test_a_strict_csp_with_a_nonce_still_gets_its_survey(page, site, surveys, batches):
    survey_id = create(surveys, CSAT, trigger={"type": "immediate", "delay": 0})
    page.goto(site.url("csp.html"))
    question(page).wait_for(timeout=5000)
    choose(page, "5")
    until(page, lambda: [r for r in responses(batches, survey_id) if r.completed])
    violations = page.evaluate("window.__violations")
    assert [v for v in violations if "favicon" not in v] == []


def test_a_phone_screen_and_a_right_to_left_locale(chromium, site, surveys):
    create(
        surveys,
        {
            **CSAT,
            "questions": [{"id": "c", "type": "rating", "scale": 5, "text": {"en": "Happy?", "ar": "هل أنت راض؟"}}],
        },
        trigger={"type": "immediate", "delay": 0},
    )
    context = chromium.new_context(viewport={"width": 360, "height": 640}, locale="ar-EG")
    page = context.new_page()
    page.goto(site.url("surveys.html"))
    question(page).wait_for(timeout=5000)
    box = page.evaluate("""() => { const d = document.querySelector('gapwise-survey').shadowRoot
        .querySelector('[role=dialog]'); const r = d.getBoundingClientRect();
        return {left: r.left, right: r.right, dir: d.getAttribute('dir'),
                text: d.querySelector('.q').textContent}; }""")
    context.close()
    assert box["dir"] == "rtl" and box["text"] == "هل أنت راض؟"
    assert box["left"] >= 0 and box["right"] <= 360


def test_on_a_touch_screen_every_target_is_44_px_and_a_centred_survey_has_a_backdrop(chromium, site, surveys):
    create(surveys, {**NPS, "appearance": {"position": "center"}}, trigger={"type": "immediate", "delay": 0})
    context = chromium.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(site.url("surveys.html"))
    question(page).wait_for(timeout=5000)
    sizes = page.evaluate("""() => [...document.querySelector('gapwise-survey').shadowRoot
        .querySelectorAll('button')].map((b) => { const r = b.getBoundingClientRect();
        return [b.textContent, Math.round(r.width), Math.round(r.height)]; })""")
    assert len(sizes) == 12  # close and 0 to 10
    assert all(w >= 44 and h >= 44 for _, w, h in sizes), sizes
    backdrop = page.locator(f"{WIDGET} .backdrop")
    assert backdrop.is_visible()
    page.mouse.click(5, 5)  # outside the dialog: on the backdrop
    page.locator(WIDGET).wait_for(state="detached")
    context.close()
