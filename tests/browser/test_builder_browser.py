"""The builder's "go to" rows and colour pickers in Chromium: a PM sends product managers to a follow-up with a
select, sees the text form follow and the preview take the branch, saves and finds it again; moves a question
and is told which pick it broke; picks a background colour and watches the hex field, contrast and preview."""

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field

import pytest
from playwright.sync_api import Page, expect

from gapwise.models import Survey
from tests.test_builder_branching import ROLES
from tests.test_surveys_api import Api
from tests.ui import make_user, sign_in

pytestmark = pytest.mark.slow


def field(page, name):
    return page.locator(f'[id="f-{name}"]')


@dataclass
class Editor:
    """The builder open on a survey, and the script errors the page reported."""

    page: Page
    survey_id: int
    errors: list[str] = dataclass_field(default_factory=list)


@pytest.fixture
def editor(app, client, project, gunicorn_server, page):
    """The edit page of the ROLES survey, signed in as an editor."""
    make_user(app, "pm@example.com", project.id, "editor")
    opened = Editor(page, Api(client, project.secret_key).post(json=ROLES).get_json()["id"])
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
    sign_in(page, gunicorn_server, "pm@example.com")
    page.goto(f"{gunicorn_server}/app/p/{project.id}/surveys/{opened.survey_id}/edit")
    return opened


def offered(page, name) -> list[str]:
    return page.locator(f'[id="f-{name}"] option').evaluate_all("options => options.map(o => o.value)")


def test_a_branch_set_with_the_rows_is_mirrored_as_text_previewed_saved_and_shown_again(editor, batches):
    page = editor.page
    # Only later questions are offered: the score question may go to "why", "more" or the end, not back.
    assert offered(page, "q1.r0.goto") == ["", "why", "more", "end"]
    assert offered(page, "q0.c0.goto") == ["", "score", "why", "more", "end"]
    field(page, "q0.c0.goto").select_option("why")
    field(page, "q1.r0.goto").select_option("more")
    expect(field(page, "q0.branches")).to_have_value("pm -> why")
    expect(field(page, "q1.branches")).to_have_value("0..6 -> more")

    # The preview takes the branch: a product manager goes straight to "Why?".
    page.locator("#preview-restart").click()
    widget = page.locator("#preview gapwise-survey")
    expect(widget.locator(".q")).to_have_text("What is your role?")
    widget.locator("[role=radio]", has_text="Product manager").click()
    expect(widget.locator(".q")).to_have_text("Why?")

    # The text form is the same branches: editing it redraws the rows.
    page.locator("details.as-text summary").nth(1).click()
    field(page, "q1.branches").fill("9..10 -> end")
    expect(page.locator('[id="f-q1.branching"] .range-list .goto-row')).to_have_count(1)
    expect(field(page, "q1.r0.min")).to_have_value("9")
    expect(field(page, "q1.r0.goto")).to_have_value("end")
    field(page, "q1.r0.goto").select_option("why")
    expect(field(page, "q1.branches")).to_have_value("9..10 -> why")
    page.get_by_role("button", name="Add a score range").click()
    field(page, "q1.r1.min").fill("0")
    field(page, "q1.r1.max").fill("6")
    field(page, "q1.r1.goto").select_option("more")
    expect(field(page, "q1.branches")).to_have_value("9..10 -> why\n0..6 -> more")

    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash")).to_contain_text("saved")
    [stored] = batches.all(Survey, Survey.id == editor.survey_id)
    questions = {q["id"]: q for q in stored.content["questions"]}
    assert [(b["choices"], b["goto"]) for b in questions["role"]["branches"]] == [(["pm"], "why")]
    assert [(b["min"], b["max"], b["goto"]) for b in questions["score"]["branches"]] == [
        (9.0, 10.0, "why"),
        (0.0, 6.0, "more"),
    ]
    page.reload()
    expect(field(page, "q0.c0.goto")).to_have_value("why")
    expect(field(page, "q0.c1.goto")).to_have_value("")
    expect(field(page, "q1.r1.goto")).to_have_value("more")
    expect(field(page, "q0.branches")).to_have_value("pm -> why")
    assert editor.errors == []


def test_moves_keep_the_picks_and_a_pick_left_before_its_question_is_flagged(editor):
    page = editor.page
    field(page, "q1.r0.goto").select_option("more")
    field(page, "q0.c0.goto").select_option("score")
    page.get_by_role("button", name="Move question 4 up").click()  # "more" above "why": still later than "score"
    expect(field(page, "q1.r0.goto")).to_have_value("more")
    assert offered(page, "q1.r0.goto") == ["", "more", "why", "end"]
    page.get_by_role("button", name="Move question 2 up").click()  # "score" above "role", which sends pm to it
    expect(field(page, "q0.c0.goto")).to_have_value("score")
    warning = page.locator('[id="warn-q0.c0.goto"]')
    expect(warning).to_have_text("Question 1 (score) now comes before this one: go to a later question or the end.")
    field(page, "q0.c0.goto").select_option("end")
    expect(warning).to_have_count(0)
    expect(field(page, "q0.branches")).to_have_value("pm -> end")
    # A renamed question keeps the picks that name it.
    field(page, "q3.id").fill("extra")
    expect(field(page, "q1.r0.goto")).to_have_value("extra")
    expect(field(page, "q1.branches")).to_have_value("0..6 -> extra")
    assert editor.errors == []


def test_the_colour_picker_sets_the_hex_field_the_contrast_and_the_preview(editor):
    page = editor.page
    picker, hex_field = field(page, "appearance.background.picker"), field(page, "appearance.background")
    expect(picker).to_be_visible()
    expect(picker).to_have_value("#ffffff")  # empty: the light theme's
    contrast = page.locator("#contrast")
    expect(contrast.locator(".contrast-ratio")).to_have_text("17.7:1")
    expect(contrast.locator(".contrast-warning")).to_be_hidden()

    picker.fill("#1e293b")
    expect(hex_field).to_have_value("#1e293b")
    expect(page.locator("#preview gapwise-survey")).to_have_attribute("style", re.compile("--gw-bg: #1e293b"))
    expect(contrast.locator(".contrast-warning")).to_be_visible()  # the theme's dark text on a dark background

    field(page, "appearance.text").fill("#F8FAFC")
    expect(field(page, "appearance.text.picker")).to_have_value("#f8fafc")
    expect(contrast.locator(".contrast-warning")).to_be_hidden()
    expect(page.locator("#preview gapwise-survey")).to_have_attribute("style", re.compile("--gw-fg: #F8FAFC"))

    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash")).to_contain_text("saved")
    expect(hex_field).to_have_value("#1e293b")
    expect(page.locator("#contrast .contrast-ratio")).to_have_text(re.compile(r"^1[0-9]\.\d:1$"))
    assert editor.errors == []
