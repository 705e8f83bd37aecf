"""The builder's "go to" rows and colour fields, posted without script: the rows become the stored branches, the
text form stays a second way to write them, targets must be later questions, moves keep them, colours are checked."""

import pytest

from gapwise.db import db
from gapwise.models import Survey
from tests.test_surveys_api import Api
from tests.ui import Browser, FormFields, make_user

ROLES = {
    "name": "Roles",
    "kind": "custom",
    "questions": [
        {
            "id": "role",
            "type": "single_choice",
            "text": "What is your role?",
            "choices": [{"id": "pm", "label": "Product manager"}, {"id": "eng", "label": "Engineer"}],
        },
        {"id": "score", "type": "nps", "text": "How likely are you to recommend us?"},
        {"id": "why", "type": "text", "text": "Why?"},
        {"id": "more", "type": "text", "text": "Anything else?"},
    ],
}


class Builder:
    """An editor's browser on the builder pages of one project, and the surveys it stored."""

    def __init__(self, app, client, project):
        make_user(app, "ed@example.com", project.id, "editor")
        self.app, self.browser = app, Browser(client)
        self.browser.login("ed@example.com")
        self.api = Api(client, project.secret_key)
        self.base = f"/app/p/{project.id}/surveys"

    def create(self, survey: dict) -> str:
        """The edit page of a survey made through the API."""
        created = self.api.post(json=survey)
        assert created.status_code == 201, created.get_json()
        return f"{self.base}/{created.get_json()['id']}/edit"

    def page(self, path: str) -> str:
        return self.browser.client.get(path).get_data(as_text=True)

    def fields(self, path_or_html: str) -> dict:
        """The builder form's fields as a browser would post them."""
        html = path_or_html if "<" in path_or_html else self.page(path_or_html)
        reader = FormFields("builder", attribute="id")
        reader.feed(html)
        return dict(reader.fields)

    def post(self, path: str, data: dict):
        return self.browser.submit(path, path, data)

    def stored(self, edit: str) -> dict:
        with self.app.app_context():
            survey = db.session.get(Survey, int(edit.split("/")[-2]))
            return {"content": survey.content, "appearance": survey.appearance}

    def questions(self, edit: str) -> dict:
        return {q["id"]: q for q in self.stored(edit)["content"]["questions"]}


@pytest.fixture
def builder(app, client, project):
    return Builder(app, client, project)


def error_at(html: str, name: str) -> str:
    """The error messages shown next to the field `name` ("" when none)."""
    parts = html.split(f'id="err-{name}">', 1)
    return parts[1].split("</div>", 1)[0] if len(parts) == 2 else ""


def test_choice_rows_become_the_stored_branches_and_the_text_mirrors_them(builder):
    edit = builder.create(ROLES)
    data = builder.fields(edit)
    assert (data["q0.c0.goto"], data["q0.c1.goto"], data["q0.rows"], data["q0.branches"]) == ("", "", "on", "")
    data.update({"q0.c0.goto": "why", "q0.c1.goto": "end", "q1.next": "more"})
    assert builder.post(edit, data).status_code == 302
    stored = builder.questions(edit)
    assert stored["role"]["branches"] == [
        {"min": None, "max": None, "choices": ["pm"], "goto": "why"},
        {"min": None, "max": None, "choices": ["eng"], "goto": "end"},
    ]
    assert stored["score"]["next"] == "more"
    again = builder.fields(edit)
    assert (again["q0.c0.goto"], again["q0.c1.goto"], again["q1.next"]) == ("why", "end", "more")
    assert again["q0.branches"] == "pm -> why\neng -> end"


def test_choices_going_to_one_place_are_one_branch(builder):
    edit = builder.create(ROLES)
    data = {**builder.fields(edit), "q0.c0.goto": "more", "q0.c1.goto": "more"}
    assert builder.post(edit, data).status_code == 302
    assert builder.questions(edit)["role"]["branches"] == [
        {"min": None, "max": None, "choices": ["pm", "eng"], "goto": "more"}
    ]


def test_score_ranges_start_as_detractors_passives_promoters_and_become_the_stored_branches(builder):
    new = f"{builder.base}/new?kind=nps"
    data = builder.fields(new)
    assert [(data[f"q0.r{k}.min"], data[f"q0.r{k}.max"], data[f"q0.r{k}.goto"]) for k in range(3)] == [
        ("0", "6", ""),
        ("7", "8", ""),
        ("9", "10", ""),
    ]
    added = builder.post(f"{builder.base}/new", {**data, "action": "add:text"})  # no script: the page again
    data = builder.fields(added.get_data(as_text=True))
    assert data["q1.id"] == "q2" and '<option value="q2">Question 2 (q2)' in added.get_data(as_text=True)
    data.update({"name": "NPS", "q1.text.en": "What went wrong?", "q0.r0.goto": "q2", "q0.r2.goto": "end"})
    created = builder.post(f"{builder.base}/new", data)
    assert created.status_code == 302
    edit = created.headers["Location"]
    assert builder.questions(edit)["score"]["branches"] == [
        {"min": 0.0, "max": 6.0, "choices": None, "goto": "q2"},
        {"min": 9.0, "max": 10.0, "choices": None, "goto": "end"},
    ]
    again = builder.fields(edit)
    assert again["q0.branches"] == "0..6 -> q2\n9..10 -> end"
    # The ranges not going anywhere are not stored: the page shows the two that are.
    assert (again["q0.r0.min"], again["q0.r1.max"], "q0.r2.min" in again) == ("0", "10", False)


def test_score_ranges_are_added_and_removed_without_script(builder):
    new = f"{builder.base}/new?kind=nps"
    data = builder.fields(new)
    page = builder.post(f"{builder.base}/new", {**data, "action": "unrange:0.1"})
    data = builder.fields(page.get_data(as_text=True))
    assert "q0.r1.min" not in data and "q0.r2.min" in data
    page = builder.post(f"{builder.base}/new", {**data, "action": "range:0"})
    data = builder.fields(page.get_data(as_text=True))
    assert (data["q0.r3.min"], data["q0.r3.max"], data["q0.r3.goto"]) == ("", "", "")
    data.update({"name": "NPS", "q0.r3.min": "10", "q0.r3.goto": "end"})
    created = builder.post(f"{builder.base}/new", data)
    assert created.status_code == 302
    assert builder.questions(created.headers["Location"])["score"]["branches"] == [
        {"min": 10.0, "max": None, "choices": None, "goto": "end"}
    ]


def test_the_text_wins_when_it_was_changed_and_the_rows_when_it_was_not(builder):
    edit = builder.create(ROLES)
    data = {**builder.fields(edit), "q1.r0.goto": "why"}
    text = {**data, "q1.branches": "9..10 -> more"}  # both changed: the text is saved
    assert builder.post(edit, text).status_code == 302
    assert builder.questions(edit)["score"]["branches"] == [{"min": 9.0, "max": 10.0, "choices": None, "goto": "more"}]
    data = {**builder.fields(edit), "q1.r0.goto": "why"}  # the text as shown: the rows are saved
    assert data["q1.branches"] == "9..10 -> more"
    assert builder.post(edit, data).status_code == 302
    assert builder.questions(edit)["score"]["branches"] == [{"min": 9.0, "max": 10.0, "choices": None, "goto": "why"}]


def test_branches_the_rows_cannot_show_are_kept_as_text(builder):
    survey = {**ROLES, "questions": [dict(q) for q in ROLES["questions"]]}
    survey["questions"][0] = {**survey["questions"][0], "type": "multi_choice"}
    # Picked together, eng wins over pm: the rows (in the choices' order) could not say so.
    survey["questions"][0]["branches"] = [{"choices": ["eng"], "goto": "more"}, {"choices": ["pm"], "goto": "why"}]
    edit = builder.create(survey)
    html = builder.page(edit)
    data = builder.fields(html)
    assert "q0.rows" not in data and data["q0.branches"] == "eng -> more\npm -> why"
    assert "more than the rows can show" in html
    assert builder.post(edit, {**data, "q0.c0.goto": "end"}).status_code == 302  # the hidden rows do not count
    assert [b["goto"] for b in builder.questions(edit)["role"]["branches"]] == ["more", "why"]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"q1.r0.goto": "role"}, "q1.r0.goto", "Question 1 (role) comes before this one"),
        ({"q1.r0.goto": "score"}, "q1.r0.goto", "A question cannot go to itself"),
        ({"q0.c1.goto": "nowhere"}, "q0.c1.goto", "No question has the id &#39;nowhere&#39;"),
        ({"q2.next": "score"}, "q2.next", "Question 2 (score) comes before this one"),
        ({"q1.branches": "0..6 -> role"}, "q1.branches", "Question 1 (role) comes before this one"),
        ({"q1.r0.goto": "more", "q1.r0.min": "6", "q1.r0.max": "0"}, "q1.r0.min", "Give the lower score first"),
        ({"q1.r0.goto": "more", "q1.r0.min": "low"}, "q1.r0.min", "Give the scores as numbers"),
        ({"q1.r0.goto": "more", "q1.r0.min": "", "q1.r0.max": ""}, "q1.r0.min", "Give the lowest score"),
    ],
)
def test_a_target_that_is_not_a_later_question_is_refused_next_to_its_field(builder, changes, field, message):
    edit = builder.create(ROLES)
    before = builder.stored(edit)
    answer = builder.post(edit, {**builder.fields(edit), **changes})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and builder.stored(edit) == before
    assert message in error_at(html, field), html[:300]
    assert f'href="#f-{field}"' in html  # listed in the summary, linked to the field
    assert {k: builder.fields(html).get(k) for k in changes} == changes  # kept as typed


def test_moving_questions_keeps_each_target_and_says_when_one_comes_before_its_question(builder):
    edit = builder.create(ROLES)
    data = {**builder.fields(edit), "q1.r0.goto": "more", "q0.c0.goto": "why"}
    moved = builder.post(edit, {**data, "action": "up:3"})  # "more" above "why"
    data = builder.fields(moved.get_data(as_text=True))
    assert [data[f"q{n}.id"] for n in (0, 1, 3, 2)] == ["role", "score", "more", "why"]
    assert (data["q1.r0.goto"], data["q0.c0.goto"]) == ("more", "why")  # the same questions, by id
    assert builder.post(edit, data).status_code == 302
    stored = builder.stored(edit)["content"]["questions"]
    assert [q["id"] for q in stored] == ["role", "score", "more", "why"]
    assert [b["goto"] for b in stored[1]["branches"]] == ["more"]

    assert builder.post(edit, {**builder.fields(edit), "q0.c0.goto": "score"}).status_code == 302
    moved = builder.post(edit, {**builder.fields(edit), "action": "up:1"})  # "score" above "role", which sends pm to it
    html = moved.get_data(as_text=True)
    assert moved.status_code == 200 and 'id="warn-q0.c0.goto"' in html
    assert "Question 1 (score) comes before this one" in html.split('id="warn-q0.c0.goto"')[1][:300]
    refused = builder.post(edit, builder.fields(html))
    assert refused.status_code == 422
    assert "Question 1 (score) comes before this one" in error_at(refused.get_data(as_text=True), "q0.c0.goto")


@pytest.mark.parametrize(
    "accent, saved",
    [("#4f46e5", "#4f46e5"), ("#ABCDEF", "#ABCDEF"), ("", None), ("red", False), ("#abc", False), ("4f46e5", False)],
)
def test_colours_are_checked_as_before(builder, accent, saved):
    edit = builder.create(ROLES)
    answer = builder.post(edit, {**builder.fields(edit), "appearance.accent": accent})
    if saved is False:
        assert answer.status_code == 422
        assert "Use a colour like #4f46e5." in error_at(answer.get_data(as_text=True), "appearance.accent")
    else:
        assert answer.status_code == 302
        assert builder.stored(edit)["appearance"]["colors"].get("accent") == saved


@pytest.mark.parametrize(
    "theme, background, text, ratio, warned",
    [
        ("light", "", "", "17.7:1", False),
        ("dark", "", "", "13.3:1", False),
        ("light", "#ffffff", "#aaaaaa", "2.3:1", True),
        ("light", "#000000", "#ffffff", "21.0:1", False),
    ],
)
def test_the_contrast_of_text_on_background_is_shown_with_a_warning_under_4_5(
    builder, theme, background, text, ratio, warned
):
    edit = builder.create(ROLES)
    colours = {"appearance.theme": theme, "appearance.background": background, "appearance.text": text}
    assert builder.post(edit, {**builder.fields(edit), **colours}).status_code == 302
    html = builder.page(edit)
    line = html.split('id="contrast"', 1)[1].split("</p>", 1)[0]
    assert f'<strong class="contrast-ratio">{ratio}</strong>' in line
    assert ('class="warning contrast-warning" hidden' not in line) == warned
    picker = html.split('id="f-appearance.text.picker"', 1)[1].split(">", 1)[0]
    assert f'value="{text or ("#111827" if theme == "light" else "#f3f4f6")}"' in picker
