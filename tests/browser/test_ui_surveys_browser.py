"""The survey builder in Chromium: a PM builds an NPS survey, watches the live preview, activates it, and reads
the answer a customer gave on their own site on the results page."""

import re

import pytest
from playwright.sync_api import expect

from gapwise.models import Response, Survey
from tests.browser.test_tracker_browser import loaded, until
from tests.helpers import drain
from tests.test_segments import TRIALS
from tests.test_segments import Api as SegmentApi
from tests.ui import make_user, sign_in

pytestmark = pytest.mark.slow
QUESTION = "How likely are you to recommend Acme Reports?"


def field(page, name):
    return page.locator(f'[id="f-{name}"]')


def test_a_pm_builds_previews_activates_and_reads_an_nps_survey(
    app, client, project, gunicorn_server, site, page, batches
):
    make_user(app, "pm@example.com", project.id, "editor")
    SegmentApi(client, project.secret_key).post(json=TRIALS)  # people on trial
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load" not in m.text else None
    )
    page.on("response", lambda r: errors.append(r.url) if r.status >= 400 and "favicon" not in r.url else None)
    sign_in(page, gunicorn_server, "pm@example.com")
    page.goto(f"{gunicorn_server}/app/p/{project.id}/surveys")
    page.get_by_role("link", name="New NPS survey").click()

    # The preview shows the real widget, framed in the page, and follows the typing.
    preview = page.locator("#preview gapwise-survey .q")
    expect(preview).to_have_text("How likely are you to recommend us to a friend or colleague?")
    field(page, "name").fill("Acme NPS")
    field(page, "q0.text.en").fill("")
    field(page, "q0.text.en").press_sequentially(QUESTION, delay=5)
    expect(preview).to_have_text(QUESTION)
    assert page.locator("body > gapwise-survey").count() == 0  # inside the preview box, not over the page
    field(page, "appearance.theme").select_option("dark")
    expect(page.locator("#preview gapwise-survey")).to_have_attribute("style", re.compile("--gw-bg: #1f2937"))
    page.locator("#preview gapwise-survey [role=radio]", has_text="9").click()  # answering the preview sends nothing
    expect(preview).to_have_text("Thank you!")

    # Locales and question rows are added in the page; the preview follows the locale and the question edited.
    field(page, "locales").fill("fr")
    field(page, "locales").press("Tab")
    field(page, "q0.text.fr").fill("Recommanderiez-vous Acme ?")
    page.locator("#preview-locale").select_option("fr")
    expect(preview).to_have_text("Recommanderiez-vous Acme ?")
    page.locator("#preview-locale").select_option("en")
    page.get_by_role("button", name="Open text").click()
    field(page, "q1.text.en").fill("What should we improve?")
    expect(preview).to_have_text("What should we improve?")
    page.get_by_role("button", name="Remove question 2").click()
    expect(page.locator(".question")).to_have_count(1)

    field(page, "targeting.segment").select_option("trials")
    field(page, "targeting.trigger").select_option("immediate")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.locator(".flash")).to_contain_text("saved as a draft")
    survey_id = int(re.search(r"/surveys/(\d+)/edit", page.url).group(1))
    [stored] = batches.all(Survey, Survey.id == survey_id)
    assert stored.content["questions"][0]["text"] == {"en": QUESTION, "fr": "Recommanderiez-vous Acme ?"}
    assert (len(stored.content["questions"]), stored.appearance["theme"], stored.status) == (1, "dark", "draft")
    page.get_by_role("button", name="Activate").click()
    expect(page.locator(".survey-status .status")).to_have_text("active")
    assert batches.count(Response) == 0 and errors == []

    # A customer on trial answers it on the product's own site.
    customer = page.context.new_page()
    customer.goto(site.url("surveys.html"))
    loaded(customer)
    customer.evaluate("() => { gapwise.identify('cust-1', {plan: 'trial'}); return gapwise.flush(); }")
    drain(app)  # the identify is stored (the server's writer would within a moment) before the next page asks
    customer.reload()
    widget = customer.locator("gapwise-survey .q")
    expect(widget).to_have_text(QUESTION, timeout=8000)
    customer.locator("gapwise-survey [role=radio]", has_text="10").click()
    until(customer, lambda: batches.count(Response, Response.completed.is_(True)) == 1)

    page.goto(f"{gunicorn_server}/app/p/{project.id}/surveys/{survey_id}")
    expect(page.locator("#score")).to_contain_text("NPS +100")
    expect(page.locator("#responses li.response")).to_have_count(1)
    expect(page.locator("#responses li.response a.person")).to_have_text("cust-1")
    expect(page.locator("#stage-table")).to_contain_text("100.0")
    assert page.evaluate("document.getElementById('trend-chart').width") > 0
    page.get_by_role("link", name="Why not shown for someone?").click()
    field(page, "person").fill("cust-1")
    page.get_by_role("button", name="Explain").click()
    expect(page.locator("#verdict")).to_contain_text("is not eligible now")
    expect(page.locator(".checks").first).to_contain_text("until answered; already answered")
    assert errors == []


def test_the_preview_keeps_the_click_that_ends_an_edit_and_its_status_line_follows(app, project, gunicorn_server, page):
    make_user(app, "pm@example.com", project.id, "editor")
    sign_in(page, gunicorn_server, "pm@example.com")
    page.goto(f"{gunicorn_server}/app/p/{project.id}/surveys/new?kind=nps")
    preview = page.locator("#preview gapwise-survey .q")
    status = page.locator("#preview-status")
    expect(status).to_have_text(re.compile(r"^Previewing from question 1 of 1 \(en\)"))
    field(page, "name").press_sequentially("Quarterly NPS", delay=5)
    page.wait_for_timeout(300)  # the typing has been drawn
    # The click that takes the focus out of the field lands on the preview, and is kept.
    page.locator("#preview gapwise-survey [role=radio]", has_text="9").click()
    expect(preview).to_have_text("Thank you!")
    page.wait_for_timeout(600)
    expect(preview).to_have_text("Thank you!")  # not redrawn by the field's "change" behind the click
    expect(status).to_have_text("The preview reached its end (answers here are not sent).")
