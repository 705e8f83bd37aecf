"""Survey pages of the dashboard: permissions on every route, the builder form without script, results, CSV, why."""

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from gapwise.db import db
from gapwise.models import Survey
from tests.story import Story
from tests.test_segments import TRIALS
from tests.test_segments import Api as SegmentApi
from tests.test_surveys_api import CSAT, NPS, WELCOME, Api
from tests.ui import Browser, FormFields, make_user

XSS = "<img src=x onerror=alert(1)><script>alert(2)</script>"
XSS_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;"
START = datetime(2026, 11, 2, tzinfo=UTC)


def form_fields(html: str, form_id: str = "builder") -> dict:
    reader = FormFields(form_id, attribute="id")
    reader.feed(html)
    return dict(reader.fields)


@pytest.fixture
def site(app, client, project, other_project, batches):
    """A project with a segment and an NPS survey; its users are made as they first sign in."""
    SegmentApi(client, project.secret_key).post(json=TRIALS)
    survey_id = Api(client, project.secret_key).post(json=NPS).get_json()["id"]
    return Site(app, client, project, other_project, survey_id, batches)


@pytest.fixture
def answered(site):
    """The site's survey answered by u1 (a detractor, on trial, in week one) and u2 (a promoter, in week two)."""
    story = site.story()
    story.person("u1", traits={"plan": "trial"})
    story.answer("u1", site.survey_id, {"score": 3, "detractor": "Exports are slow"}, 1)
    story.person("u2")
    story.answer("u2", site.survey_id, {"score": 10, "promoter": "Fast"}, 8)
    story.send()
    return site


class Site:
    """The project's survey pages, its users (an editor, a viewer, a stranger from another project), what is stored."""

    ROLES = {"ed@example.com": "editor", "vi@example.com": "viewer", "st@example.com": "owner"}

    def __init__(self, app, client, project, other_project, survey_id, batches):
        self.app, self.client, self.project, self.survey_id = app, client, project, survey_id
        self.other_project_id, self.users = other_project.id, set()
        self.story = lambda: Story(batches, START)
        self.base = f"/app/p/{project.id}/surveys"
        self.browser = Browser(client)

    def as_(self, email: str | None) -> Browser:
        """The site's test client, signed in as `email` (anonymous for None)."""
        if email:
            self.user(email)
            self.browser.login(email)
        return self.browser

    def user(self, email: str) -> None:
        if email not in self.users:
            stranger = email.startswith("st")
            make_user(self.app, email, self.other_project_id if stranger else self.project.id, self.ROLES[email])
            self.users.add(email)

    def stored(self) -> list[tuple]:
        """Everything a form could change, to compare before and after a refused request."""
        with self.app.app_context():
            return [
                (s.id, s.name, s.status, s.content, s.targeting, s.appearance)
                for s in db.session.scalars(select(Survey).order_by(Survey.id))
            ]


def editor_form(site: Site, survey_id: int | None = None) -> dict:
    """The edit form of a survey (the site's by default) as an editor's browser would post it."""
    site.user("ed@example.com")
    editor = Browser(site.app.test_client())
    editor.login("ed@example.com")
    page = editor.client.get(f"{site.base}/{survey_id or site.survey_id}/edit")
    return form_fields(page.get_data(as_text=True))


READS = ["", "/{id}", "/{id}/responses.csv", "/{id}/why", "/{id}/why?person=u1"]
EDITOR_PAGES = ["/new", "/new?kind=welcome", "/{id}/edit"]
POSTS = ["/{id}/status", "/{id}/edit", "/new"]
USERS = {"anonymous": None, "stranger": "st@example.com", "viewer": "vi@example.com", "editor": "ed@example.com"}


@pytest.mark.parametrize("role", USERS)
def test_every_page_answers_by_role(site, role):
    browser = site.as_(USERS[role])
    for path in READS + EDITOR_PAGES:
        answer = browser.client.get(site.base + path.format(id=site.survey_id))
        expected = {"anonymous": 302, "stranger": 404, "viewer": 403 if path in EDITOR_PAGES else 200, "editor": 200}[
            role
        ]
        assert answer.status_code == expected, (role, path)
        if role == "anonymous":
            assert "/app/login" in answer.headers["Location"]
    if role == "viewer":  # reads, with no button to change anything
        page = browser.client.get(site.base).get_data(as_text=True)
        assert "Activate" not in page and "Pause" not in page and "New NPS survey" not in page


@pytest.mark.parametrize("role", USERS)
def test_every_change_needs_an_editor(site, role):
    data = {**editor_form(site), "name": "Renamed", "status": "paused"}
    browser = site.as_(USERS[role])
    for path in POSTS:
        before = site.stored()
        answer = browser.client.post(
            site.base + path.format(id=site.survey_id), data={**data, "csrf_token": browser.token()}
        )
        expected = {"anonymous": 302, "stranger": 404, "viewer": 403, "editor": 302}[role]
        assert answer.status_code == expected, path
        assert (site.stored() != before) == (role == "editor"), path


def test_a_change_without_its_csrf_token_is_refused(site):
    browser = site.as_("ed@example.com")
    data = {**editor_form(site), "name": "Renamed", "status": "paused"}
    before = site.stored()
    for path in POSTS:
        answer = browser.client.post(site.base + path.format(id=site.survey_id), data=data)
        assert answer.status_code == 400 and "CSRF" in answer.get_data(as_text=True)
    assert site.stored() == before


def test_a_survey_named_with_html_is_shown_as_text_everywhere(site):
    browser = site.as_("ed@example.com")
    data = editor_form(site)
    data.update({"name": XSS, "q0.text.en": XSS, "q1.text.en": XSS})
    assert (
        browser.submit(f"{site.base}/{site.survey_id}/edit", f"{site.base}/{site.survey_id}/edit", data).status_code
        == 302
    )
    story = site.story()
    story.answer("u3", site.survey_id, {"score": 2, "detractor": XSS}, 3)
    story.send()
    for path in ("", "/{id}", "/{id}/edit", "/{id}/why?person=u3"):
        page = browser.client.get(site.base + path.format(id=site.survey_id)).get_data(as_text=True)
        assert XSS_ESCAPED in page, path
        assert "<script>alert" not in page and "<img src=x" not in page, path
    answer = browser.client.get(f"{site.base}/{site.survey_id}/responses.csv")
    assert answer.mimetype == "text/csv" and answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert f"{XSS} [score]" in rows[0] and XSS in rows[-1]  # data in a download, never a page


FORMULAS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tfoo", "\r=1"]


def test_csv_cells_never_start_a_formula(site):
    story = site.story()
    for i, text in enumerate(FORMULAS):
        story.answer(f"f{i}", site.survey_id, {"score": 1, "detractor": text}, 2, hours=i / 10)
    story.send()
    answer = site.as_("vi@example.com").client.get(f"{site.base}/{site.survey_id}/responses.csv")
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert [r[7] for r in rows[1:]] == ["'" + text for text in FORMULAS]


def test_the_csv_has_the_columns_and_filters_of_the_table(answered):
    site = answered
    browser = site.as_("vi@example.com")
    table = browser.client.get(f"{site.base}/{site.survey_id}?stage=trial").get_data(as_text=True)
    rows = list(
        csv.reader(
            io.StringIO(
                browser.client.get(f"{site.base}/{site.survey_id}/responses.csv?stage=trial").get_data(as_text=True)
            )
        )
    )
    assert rows[0] == [
        "Response",
        "Answered at (UTC)",
        "Person",
        "Stage",
        "Completed",
        "Score",
        "How likely are you to recommend us? [score]",
        "What disappointed you? [detractor]",
        "What do you like most? [promoter]",
    ]
    assert [r[2:6] for r in rows[1:]] == [["u1", "trial", "yes", "3"], ["u2", "trial", "yes", "10"]]
    for question in ("How likely are you to recommend us?", "What disappointed you?", "What do you like most?"):
        assert f"<dt>{question}</dt>" in table
    empty = browser.client.get(f"{site.base}/{site.survey_id}/responses.csv?stage=adoption").get_data(as_text=True)
    assert empty.count("\n") == 1
    assert browser.client.get(f"{site.base}/{site.survey_id}/responses.csv?since=yesterday").status_code == 422


def test_results_show_scores_by_stage_filters_and_open_texts(answered):
    site = answered
    browser = site.as_("vi@example.com")
    page = browser.client.get(f"{site.base}/{site.survey_id}").get_data(as_text=True)
    assert "NPS +0" in page and "(n=2" in page  # one promoter, one detractor
    assert 'id="trend-chart"' in page and '"weeks":["2026-11-02","2026-11-09"]' in page
    assert "Exports are slow" in page and "Fast" in page
    late = browser.client.get(f"{site.base}/{site.survey_id}?since=2026-11-05").get_data(as_text=True)
    assert "u2" in late and "u1" not in late and "Exports are slow" not in late
    partial = browser.client.get(f"{site.base}/{site.survey_id}?completed=false").get_data(as_text=True)
    assert "No responses match these filters." in partial
    bad = browser.client.get(f"{site.base}/{site.survey_id}?since=soon&until=2026-01-01")
    assert bad.status_code == 422 and "Not an ISO 8601 timestamp." in bad.get_data(as_text=True)


def test_responses_are_paged(site):
    story = site.story()
    for i in range(55):
        story.answer(f"p{i}", site.survey_id, {"score": 8}, 2, hours=i / 10)
    story.send()
    browser = site.as_("vi@example.com")
    first = browser.client.get(f"{site.base}/{site.survey_id}?completed=true").get_data(as_text=True)
    assert first.count('<li class="response"') == 50
    next_href = [part.split('"')[0] for part in first.split('href="') if "cursor=" in part][0].replace("&amp;", "&")
    second = browser.client.get(next_href).get_data(as_text=True)
    assert second.count('<li class="response"') == 5 and "completed=true" in next_href and "Newest" in second
    # newest first: the first page holds the 50 latest answers, the second the 5 earliest
    assert ">p54</a>" in first and ">p4</a>" not in first and ">p4</a>" in second and ">p0</a>" in second


def test_why_explains_each_rule(answered):
    site = answered
    browser = site.as_("vi@example.com")
    page = browser.client.get(f"{site.base}/{site.survey_id}/why?person=u1").get_data(as_text=True)
    assert "No: “u1” is not eligible now" in page
    assert "frequency</span>: <strong>✗ failed</strong> — until answered; already answered" in page
    assert "segment</span>: <strong>✓ passed</strong> — no segment: everyone" in page
    assert "when the event &#39;Report Exported&#39; is tracked, after 3 s" in page
    nobody = browser.client.get(f"{site.base}/{site.survey_id}/why?person=ghost").get_data(as_text=True)
    assert "Gapwise has not seen this person yet" in nobody
    empty = browser.client.get(f"{site.base}/{site.survey_id}/why?person=+")
    assert "Give a user id or an anonymous id" in empty.get_data(as_text=True)


def test_activate_and_pause(site):
    browser = site.as_("ed@example.com")
    status = f"{site.base}/{site.survey_id}/status"
    assert (
        browser.submit(site.base, status, {"status": "paused", "back": "results"})
        .headers["Location"]
        .endswith(f"/surveys/{site.survey_id}")
    )
    assert site.stored()[0][2] == "paused"
    assert browser.submit(site.base, status, {"status": "active"}).headers["Location"].endswith("/surveys")
    assert site.stored()[0][2] == "active"
    assert browser.submit(site.base, status, {"status": "deleted"}).status_code == 422


@pytest.mark.parametrize("survey", [NPS, WELCOME, CSAT], ids=["nps", "welcome", "csat"])
def test_a_survey_saved_unchanged_from_the_builder_stays_the_same(site, survey):
    targeting = {
        **survey.get("targeting", {}),
        "segment": "trials",
        "url": {"match": "contains", "value": "/r"},
        "sampleRate": 0.25,
        "frequency": {"type": "every", "days": 7},
        "responseLimit": 40,
    }
    appearance = {"position": "center", "theme": "dark", "colors": {"accent": "#112233"}}
    created = Api(site.client, site.project.secret_key).post(
        json={**survey, "appearance": appearance, "targeting": targeting}
    )
    survey_id = created.get_json()["id"]
    before = [s for s in site.stored() if s[0] == survey_id]
    browser = site.as_("ed@example.com")
    edit = f"{site.base}/{survey_id}/edit"
    assert browser.submit(edit, edit, form_fields(browser.client.get(edit).get_data(as_text=True))).status_code == 302
    assert [s for s in site.stored() if s[0] == survey_id] == before


def test_a_new_survey_from_the_builder(site):
    browser = site.as_("ed@example.com")
    data = form_fields(browser.client.get(f"{site.base}/new?kind=nps").get_data(as_text=True))
    data.update(
        {
            "name": "Quarterly NPS",
            "locales": "fr",
            "q0.text.fr": "Recommanderiez-vous ?",
            "q0.branches": "0..6 -> why\n",
            "targeting.segment": "trials",
            "targeting.trigger": "immediate",
            "targeting.sample": "50",
        }
    )
    added = browser.submit(f"{site.base}/new", f"{site.base}/new", {**data, "action": "add:text"})
    assert added.status_code == 200 and len(site.stored()) == 1  # a row added, nothing saved
    data = form_fields(added.get_data(as_text=True))
    assert data["q1.id"] == "q2" and data["q0.text.fr"] == "Recommanderiez-vous ?"
    data.update({"q1.id": "why", "q1.text.en": "Why?"})
    created = browser.submit(f"{site.base}/new", f"{site.base}/new", data)
    assert created.status_code == 302
    with site.app.app_context():
        survey = db.session.scalar(select(Survey).where(Survey.name == "Quarterly NPS"))
        assert survey.status == "draft" and survey.sample_rate == 0.5 and survey.targeting["segment"] == "trials"
        assert survey.content["questions"][0]["text"]["fr"] == "Recommanderiez-vous ?"
        assert survey.content["questions"][0]["branches"] == [{"min": 0.0, "max": 6.0, "choices": None, "goto": "why"}]
        assert [q["id"] for q in survey.content["questions"]] == ["score", "why"]


def test_rows_are_added_and_removed_without_script(site):
    browser = site.as_("ed@example.com")
    data = form_fields(browser.client.get(f"{site.base}/new?kind=nps").get_data(as_text=True))
    page = browser.submit(f"{site.base}/new", f"{site.base}/new", {**data, "action": "add:multi_choice"})
    data = form_fields(page.get_data(as_text=True))
    assert data["q1.type"] == "multi_choice" and "q1.c0.id" in data and "q1.c1.id" in data and "q1.c2.id" not in data
    page = browser.submit(f"{site.base}/new", f"{site.base}/new", {**data, "action": "choice:1"})
    data = form_fields(page.get_data(as_text=True))
    assert "q1.c2.id" in data
    page = browser.submit(f"{site.base}/new", f"{site.base}/new", {**data, "locales": "de", "action": "locales"})
    data = form_fields(page.get_data(as_text=True))
    assert "q1.c2.label.de" in data and "thankYou.de" in data
    page = browser.submit(f"{site.base}/new", f"{site.base}/new", {**data, "action": "remove:1"})
    assert "q1.type" not in form_fields(page.get_data(as_text=True))
    assert len(site.stored()) == 1


def _broken(**changes):
    return changes


@pytest.mark.parametrize(
    "changes, field, message",
    [
        (_broken(name=""), "name", "Length must be between 1 and 200."),
        (_broken(**{"q0.type": "text"}), "questions", "An NPS survey starts with an nps question."),
        (_broken(**{"q0.text.en": "", "q0.text.fr": ""}), "q0.text", "Write the en text."),
        (
            _broken(locales="fr", **{"q1.text.en": "", "q1.text.fr": "Pourquoi ?"}),
            "q1.text",
            "Write the en text too: it is the default locale.",
        ),
        (
            _broken(**{"targeting.trigger": "event", "targeting.event": ""}),
            "targeting.event",
            "An event trigger names its event.",
        ),
        (
            _broken(**{"targeting.urlMatch": "regex", "targeting.urlValue": "(("}),
            "targeting.urlValue",
            "Not a regular expression",
        ),
        (_broken(**{"targeting.sample": "lots"}), "targeting.sample", "Give a percentage from 0 to 100."),
        (_broken(**{"targeting.recontactDays": "-1"}), "targeting.recontactDays", "Must be greater than or equal to 0"),
        (_broken(**{"targeting.segment": "nope"}), "targeting.segment", "No segment with key &#39;nope&#39;."),
        (_broken(**{"q0.branches": "0-6 detractor"}), "q0.branches", "Line 1: write"),
        (_broken(**{"q0.branches": "0..6 -> nowhere"}), "questions", "goes to unknown question &#39;nowhere&#39;"),
        (_broken(**{"appearance.accent": "red"}), "appearance.accent", "Use a colour like #4f46e5."),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(site, changes, field, message):
    browser = site.as_("ed@example.com")
    edit = f"{site.base}/{site.survey_id}/edit"
    data = {**editor_form(site), "name": "Kept as typed", **changes}
    before = site.stored()
    answer = browser.submit(edit, edit, data)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and site.stored() == before
    errors = page.split(f'id="err-{field}">', 1)
    assert len(errors) == 2 and message in errors[1].split("</div>", 1)[0], page[:200]
    kept = form_fields(page)
    assert {k: kept.get(k) for k in changes if k != "locales"} == {k: v for k, v in changes.items() if k != "locales"}
    assert 'class="error-summary"' in page


def test_a_choice_question_needs_two_choices(site):
    browser = site.as_("ed@example.com")
    data = form_fields(browser.client.get(f"{site.base}/new?kind=welcome").get_data(as_text=True))
    data.update({"name": "Welcome", "q0.text.en": "Role?", "q0.c0.label.en": "Product manager"})
    answer = browser.submit(f"{site.base}/new", f"{site.base}/new", data)
    assert answer.status_code == 422 and "Length must be between 2 and 20." in answer.get_data(as_text=True)
    kept = form_fields(answer.get_data(as_text=True))
    assert kept["q0.c0.id"] == "product_manager"  # made from the label, and shown
    assert len(site.stored()) == 1


def test_the_builder_names_the_welcome_that_comes_first_and_the_surveys_that_compete(site):
    api = Api(site.client, site.project.secret_key)
    for survey in (
        {**WELCOME, "status": "active"},
        {**CSAT, "name": "CSAT everywhere", "status": "active", "targeting": {"priority": 3}},
        {
            **CSAT,
            "name": "CSAT on billing",
            "status": "active",
            "targeting": {"url": {"match": "exact", "value": "/billing"}},
        },
        {**CSAT, "name": "CSAT for trials", "status": "active", "targeting": {"segment": TRIALS["key"]}},
        {**CSAT, "name": "A draft", "status": "draft"},
    ):
        assert api.post(json=survey).status_code == 201
    editor = site.as_("ed@example.com")
    page = editor.client.get(f"{site.base}/new").get_data(as_text=True)
    rivals = page.split('id="rivals-h"')[1].split("</section>")[0]
    assert "The welcome survey" in rivals and "comes first" in rivals and "for 24 h after one" in rivals
    assert "CSAT everywhere</a> (csat, priority 3)" in rivals and "CSAT on billing</a>" in rivals
    assert "CSAT for trials" in rivals  # everyone includes the trials
    assert "A draft" not in rivals and rivals.index("NPS</a> (nps, priority 5)") < rivals.index("CSAT everywhere")
    # Only on /reports: the billing survey cannot meet it; a trials-only survey on another segment may.
    form = editor_form(site)
    form.update({"targeting.urlMatch": "exact", "targeting.urlValue": "/reports", "targeting.segment": ""})
    html = editor.client.get(f"{site.base}/{site.survey_id}/edit").get_data(as_text=True)
    rivals = html.split('id="rivals-h"')[1].split("</section>")[0]
    assert "CSAT on billing" in rivals  # saved rules: any page, so far
    saved = editor.submit(f"{site.base}/{site.survey_id}/edit", f"{site.base}/{site.survey_id}/edit", form)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:500]
    html = editor.client.get(f"{site.base}/{site.survey_id}/edit").get_data(as_text=True)
    rivals = html.split('id="rivals-h"')[1].split("</section>")[0]
    assert "CSAT on billing" not in rivals and "CSAT everywhere" in rivals
    assert ">NPS</a>" not in rivals  # not itself


def test_urls_rules_overlap_unless_plain_texts_cannot_meet():
    from gapwise.core.surveys.competition import _pages_overlap

    exact = {"match": "exact", "value": "/reports"}
    assert _pages_overlap(None, exact) and _pages_overlap(exact, {"match": "regex", "value": "^/b"})
    assert not _pages_overlap(exact, {"match": "exact", "value": "/billing"})
    assert _pages_overlap(exact, {"match": "contains", "value": "report"})
    assert not _pages_overlap({"match": "contains", "value": "bill"}, exact)
    assert _pages_overlap({"match": "contains", "value": "a"}, {"match": "contains", "value": "b"})


def test_questions_move_up_and_down_and_are_saved_in_their_new_order(site):
    browser = site.as_("ed@example.com")
    edit = f"{site.base}/{site.survey_id}/edit"
    data = form_fields(browser.client.get(edit).get_data(as_text=True))
    ids = [data[k] for k in data if k.endswith(".id") and ".c" not in k]
    assert len(ids) == 3
    moved = browser.submit(edit, edit, {**data, "action": "up:2"})  # the third question, one up
    assert moved.status_code == 200
    data = form_fields(moved.get_data(as_text=True))
    assert [data[k] for k in data if k.endswith(".id") and ".c" not in k] == [ids[0], ids[2], ids[1]]
    assert browser.submit(edit, edit, data).status_code == 302
    with site.app.app_context():
        survey = db.session.get(Survey, site.survey_id)
        assert [q["id"] for q in survey.content["questions"]] == [ids[0], ids[2], ids[1]]


def test_archive_duplicate_and_delete_with_a_confirmation(answered):
    site = answered
    browser = site.as_("ed@example.com")
    listing = site.base
    action = f"{site.base}/{site.survey_id}"
    copied = browser.submit(listing, f"{action}/duplicate", {})
    assert copied.status_code == 302 and copied.headers["Location"].endswith("/edit")
    with site.app.app_context():
        copy = db.session.scalar(select(Survey).where(Survey.name.startswith("Copy of")))
        original = db.session.get(Survey, site.survey_id)
        assert copy.status == "draft" and copy.content == original.content and copy.targeting == original.targeting
    asked = browser.submit(listing, f"{action}/delete", {})
    assert "Delete the survey" in asked.get_data(as_text=True) and len(site.stored()) == 2
    refused = browser.submit(listing, f"{action}/delete", {"confirm": "yes"})
    page = browser.client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Nothing was deleted" in page and "archive it first" in page and len(site.stored()) == 2
    assert browser.submit(listing, f"{action}/status", {"status": "archived"}).status_code == 302
    page = browser.client.get(listing).get_data(as_text=True)
    assert f'surveys/{site.survey_id}"' not in page and "1 archived" in page  # hidden from the list
    archived = browser.client.get(f"{listing}?archived=1").get_data(as_text=True)
    assert f'surveys/{site.survey_id}"' in archived and "Restore" in archived
    assert browser.submit(f"{listing}?archived=1", f"{action}/delete", {"confirm": "yes"}).status_code == 302
    with site.app.app_context():
        assert db.session.get(Survey, site.survey_id) is None
    viewer = site.as_("vi@example.com")
    assert viewer.submit(listing, f"{site.base}/{copy.id}/duplicate", {}).status_code == 403
