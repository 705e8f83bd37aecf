"""Survey links (/s/<public id>): the page, signed and unsigned identities, answers from an email's link,
dedupe, rate limits, and what the page refuses."""

import hashlib
import hmac
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from gapwise.core.surveys import definitions
from gapwise.db import db
from gapwise.models import Display, Person, PersonAlias, Project, Response, Survey
from gapwise.models.base import utcnow
from tests.helpers import drain, message
from tests.test_surveys_api import CSAT, NPS, Api
from tests.ui import Browser, make_user


class Link:
    """A project's survey link: its page, its answers and what was stored."""

    def __init__(self, app, client, project, survey):
        self.app, self.client, self.project = app, client, project
        self.survey_id = Api(client, project.secret_key).post(json=survey).get_json()["id"]
        with app.app_context():
            self.public_id = db.session.get(Survey, self.survey_id).public_id
            self.secret = db.session.get(Project, project.id).link_secret
        self.url = f"/s/{self.public_id}"

    def sig(self, uid: str, secret: str | None = None) -> str:
        message = f"{self.public_id}:{uid}".encode()
        return hmac.new((secret or self.secret).encode(), message, hashlib.sha256).hexdigest()

    def open(self, query: str = "", **kwargs):
        return self.client.get(self.url + query, **kwargs)

    def data(self, page) -> dict:
        """The page's data block: the survey as the widgets get it, the page token, the prefilled answer."""
        found = re.search(r'<script type="application/json" id="gw-link">(.*?)</script>', page.get_data(as_text=True))
        assert found, page.get_data(as_text=True)[:500]
        return json.loads(found.group(1))

    def post(self, token, drained=True, **body):
        answer = self.client.post(self.url, json={"token": token, **body})
        if drained:
            drain(self.app)
        return answer

    def answer(self, query: str = "", answers=None, completed=False):
        """Open the page as a browser would and post what its script posts (the prefilled answer, or `answers`)."""
        data = self.data(self.open(query))
        return self.post(data["token"], action="answered", answers=answers or data["prefill"], completed=completed)

    def responses(self) -> list[tuple]:
        with self.app.app_context():
            rows = db.session.execute(
                select(Person.user_id, PersonAlias.anonymous_id, Response.answers, Response.completed, Response.stage)
                .join(Person, Person.id == Response.person_id)
                .outerjoin(PersonAlias, PersonAlias.person_id == Person.id)
                .where(Response.survey_id == self.survey_id)
                .order_by(Response.id)
            )
            return [tuple(r) for r in rows]


@pytest.fixture
def link(app, client, project):
    return Link(app, client, project, NPS)


def test_the_page_is_not_indexed_and_loads_nothing_from_elsewhere(link):
    page = link.open()
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert page.headers["X-Robots-Tag"].startswith("noindex")
    assert '<meta name="robots" content="noindex">' in html
    csp = page.headers["Content-Security-Policy"]
    nonce = re.search(r"script-src 'nonce-([^']+)'", csp).group(1)
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "unsafe-inline" not in csp
    assert html.count(f'nonce="{nonce}"') == 3  # its style, widgets.js and the page script
    assert not re.search(r"(src|href|action)=\"(https?:)?//", html)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    data = link.data(page)
    assert data["survey"]["questions"][0]["text"] == "How likely are you to recommend us?"
    assert data["prefill"] == {}
    assert "trigger" not in data["survey"]
    # Nothing is recorded by a GET: a mail scanner fetching the link leaves no trace.
    drain(link.app)
    assert link.responses() == []


@pytest.mark.parametrize(
    ("query", "headers", "text"),
    [
        ("?lang=fr", {}, "Recommanderiez-vous ?"),
        ("", {"Accept-Language": "de-DE, fr-CA;q=0.8"}, "Recommanderiez-vous ?"),
        ("?lang=xx", {"Accept-Language": "de"}, "How likely are you to recommend us?"),
    ],
)
def test_the_page_speaks_the_readers_language_when_the_survey_has_it(link, query, headers, text):
    data = link.data(link.open(query, headers=headers))
    assert data["survey"]["questions"][0]["text"] == text


def test_the_page_is_gzipped_for_browsers_that_take_it(link):
    page = link.open(headers={"Accept-Encoding": "gzip, br"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert len(page.get_data()) < 3000


@pytest.mark.parametrize("status", ["draft", "paused", "archived"])
def test_a_survey_not_taking_answers_is_closed(link, status):
    Api(link.client, link.project.secret_key).patch(f"/{link.survey_id}", json={"status": status})
    page = link.open()
    assert page.status_code == 410
    assert "This survey is closed" in page.get_data(as_text=True)
    assert page.headers["X-Robots-Tag"].startswith("noindex")


@pytest.mark.parametrize("public_id", ["nope", "A" * 22, "x" * 300])
def test_an_unknown_link_is_404(client, link, public_id):
    page = client.get(f"/s/{public_id}")
    assert page.status_code == 404
    assert "No such survey" in page.get_data(as_text=True)


def test_every_survey_has_its_own_public_id_and_a_copy_gets_a_new_one(app, link):
    other = Link(app, link.client, link.project, CSAT)
    with app.app_context():
        copy = definitions.duplicate_survey(db.session, link.project.id, link.survey_id)
        ids = [s.public_id for s in db.session.scalars(select(Survey))]
    assert copy.public_id not in (None, link.public_id, other.public_id)
    assert len(set(ids)) == len(ids) == 3
    assert all(len(i) >= 22 for i in ids)


def test_a_good_signature_names_the_person_and_stamps_their_stage(link):
    Api(link.client, link.project.secret_key, resource="journey").put(json={"ahaEvents": ["Report Scheduled"]})
    earlier = (utcnow() - timedelta(hours=2)).isoformat()
    body = {
        "writeKey": link.project.write_key,
        "batch": [
            message("identify", userId="u-42", anonymousId=None, timestamp=earlier),
            message("track", userId="u-42", anonymousId=None, event="Report Scheduled", timestamp=earlier),
        ],
    }
    assert link.client.post("/v1/batch", json=body).status_code == 200
    assert link.answer(f"?uid=u-42&sig={link.sig('u-42')}&score=9").status_code == 200
    assert link.responses() == [("u-42", None, {"score": 9}, False, "aha")]


@pytest.mark.parametrize(
    "query",
    [
        "?uid=u-42&sig=" + "0" * 64,
        "?uid=u-42",
        "?uid=u-42&sig=short",
        "?uid=u-42&sig={sig_of_other}",
        "?uid=u-42&sig={sig_from_other_project}",
        "?uid=u-42&sig={sig_of_other_survey}&email=ceo@example.com",
    ],
    ids=["wrong", "unsigned", "malformed", "for-another-uid", "other-project-secret", "other-survey"],
)
def test_a_bad_signature_is_ignored_and_the_person_stays_anonymous(app, link, other_project, query):
    with app.app_context():
        other_secret = db.session.get(Project, other_project.id).link_secret
    other_survey = Link(app, link.client, other_project, NPS)
    query = query.format(
        sig_of_other=link.sig("u-1"),
        sig_from_other_project=link.sig("u-42", other_secret),
        sig_of_other_survey=other_survey.sig("u-42", link.secret),
    )
    assert link.answer(query + "&score=3").status_code == 200
    [(user_id, anonymous_id, answers, _, _)] = link.responses()
    assert user_id is None and anonymous_id.startswith("link-")
    assert answers == {"score": 3}


def test_an_email_score_is_recorded_once_and_a_second_click_updates_it(link):
    signed = f"?uid=u-7&sig={link.sig('u-7')}"
    page = link.open(signed + "&score=9")
    data = link.data(page)
    assert data["prefill"] == {"score": 9}
    assert link.responses() == []  # the GET alone records nothing
    link.post(data["token"], action="shown")
    link.post(data["token"], action="answered", answers={"score": 9}, completed=False)
    assert link.responses() == [("u-7", None, {"score": 9}, False, "trial")]
    link.post(data["token"], action="answered", answers={"score": 9, "promoter": "Fast exports"}, completed=True)
    link.answer(signed + "&score=6")  # the other link of the same email, later
    assert link.responses() == [("u-7", None, {"score": 6, "promoter": "Fast exports"}, True, "trial")]
    with link.app.app_context():
        assert db.session.scalar(select(Display.id).where(Display.survey_id == link.survey_id)) is not None
        assert len(list(db.session.scalars(select(Display).where(Display.survey_id == link.survey_id)))) == 1


def test_an_anonymous_person_is_known_again_by_their_cookie(link):
    link.answer("?score=8")
    link.answer("?score=10")
    assert [r[2] for r in link.responses()] == [{"score": 10}]
    link.client.delete_cookie("gw_link", path="/s/")
    link.answer("?score=2")
    assert [r[2] for r in link.responses()] == [{"score": 10}, {"score": 2}]


def test_the_admin_api_gives_the_public_id_of_the_link(link):
    body = Api(link.client, link.project.secret_key).get(f"/{link.survey_id}").get_json()
    assert body["publicId"] == link.public_id and link.open().status_code == 200


def test_a_survey_with_its_responses_takes_no_more_but_lets_people_change_theirs(app, client, project):
    link = Link(app, client, project, {**NPS, "targeting": {**NPS["targeting"], "responseLimit": 1}})
    signed = f"?uid=u-1&sig={link.sig('u-1')}"
    link.answer(signed + "&score=9", completed=True)
    other = link.open(f"?uid=u-2&sig={link.sig('u-2')}&score=3")
    assert other.status_code == 410 and "has all the answers it asked for" in other.get_data(as_text=True)
    link.answer(signed + "&score=7", completed=True)  # the one who answered may still change their answer
    assert [(r[0], r[2]) for r in link.responses()] == [("u-1", {"score": 7})]


@pytest.mark.parametrize("query", ["?score=11", "?score=nine", "?score=-1", "?score=9.5", "?score=" + "9" * 200])
def test_an_invalid_prefill_is_ignored_and_the_question_asked(link, query):
    assert link.data(link.open(query))["prefill"] == {}


def test_the_noscript_form_records_the_prefilled_answer_with_one_press(link):
    data = link.data(link.open("?score=10"))
    done = link.client.post(link.url, data={"token": data["token"], "question": "score", "value": "10"})
    drain(link.app)
    assert done.status_code == 200 and "Thank you" in done.get_data(as_text=True)
    assert [r[2] for r in link.responses()] == [{"score": 10}]


def test_too_many_requests_from_one_address_get_429_with_a_clear_message(app, client, project):
    app.extensions["gapwise.ratelimit"].limits["link"] = __import__("limits").parse("3/minute")
    link = Link(app, client, project, NPS)
    data = link.data(link.open())
    assert link.post(data["token"], action="shown").status_code == 200
    assert link.open().status_code == 200
    refused = link.post(data["token"], action="answered", answers={"score": 1})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "wait a minute" in refused.get_json()["message"]
    page = link.open()
    assert page.status_code == 429 and "wait a minute" in page.get_data(as_text=True)


def test_answers_need_the_pages_token(link, other_project):
    data = link.data(link.open())
    assert link.post(None, action="answered", answers={"score": 9}).status_code == 403
    assert link.post("forged." + data["token"][7:], action="answered", answers={"score": 9}).status_code == 403
    other = Link(link.app, link.client, other_project, NPS)
    stolen = link.client.post(other.url, json={"token": data["token"], "action": "answered", "answers": {"score": 9}})
    assert stolen.status_code == 403  # a token is for its own survey only
    assert link.responses() == [] and other.responses() == []


def test_answers_from_another_site_are_refused(link):
    data = link.data(link.open())
    planted = link.client.post(
        link.url,
        json={"token": data["token"], "action": "answered", "answers": {"score": 0}},
        headers={"Origin": "https://evil.example"},
    )
    assert planted.status_code == 403
    assert link.responses() == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"action": "answered", "answers": {"score": "9"}}, 422),
        ({"action": "answered", "answers": {"score": 1e300}}, 422),
        ({"action": "answered", "answers": {"promoter": "x" * 5000}}, 422),
        ({"action": "answered", "answers": {"nope": 1}}, 422),
        ({"action": "answered", "answers": ["score", 9]}, 422),
        ({"action": "answered", "answers": {}}, 400),
        ({"action": "deleted"}, 400),
        ({"action": "answered", "answers": {"score": 9}, "completed": "yes"}, 400),
    ],
)
def test_hostile_answers_get_a_clear_4xx(link, body, status):
    data = link.data(link.open())
    refused = link.post(data["token"], **body)
    assert refused.status_code == status, refused.get_json()
    assert refused.get_json()["message"]
    assert link.responses() == []


def test_a_body_that_is_not_json_or_too_large_is_refused(link):
    data = link.data(link.open())
    assert link.client.post(link.url, data=b"{not json", content_type="application/json").status_code == 400
    huge = json.dumps({"token": data["token"], "answers": {"promoter": "x" * 40_000}})
    assert link.client.post(link.url, data=huge, content_type="application/json").status_code == 413


# --- the dashboard -------------------------------------------------------------------------------------


def test_an_owner_sees_and_replaces_the_link_secret_and_a_viewer_never_sees_it(app, client, link):
    make_user(app, "own@example.com", link.project.id, "owner")
    make_user(app, "view@example.com", link.project.id, "viewer")
    settings = f"/app/p/{link.project.id}/settings"
    owner, viewer = Browser(app.test_client()), Browser(app.test_client())
    owner.login("own@example.com")
    viewer.login("view@example.com")
    assert link.secret in owner.client.get(settings).get_data(as_text=True)
    seen = viewer.client.get(settings).get_data(as_text=True)
    assert link.secret not in seen and "Only owners see the link secret" in seen
    assert viewer.submit(settings, settings + "/link-secret", {}).status_code == 403
    assert owner.submit(settings, settings + "/link-secret", {}).status_code == 303
    with app.app_context():
        replaced = db.session.get(Project, link.project.id).link_secret
    assert replaced != link.secret and replaced.startswith("lks_")
    # A link signed with the old secret now leaves the person anonymous.
    link.answer(f"?uid=u-1&sig={link.sig('u-1')}&score=5")
    assert link.responses()[0][0] is None


def test_the_results_page_shows_the_link_and_an_email_with_eleven_scores(app, link):
    make_user(app, "ed@example.com", link.project.id, "editor")
    editor = Browser(app.test_client())
    editor.login("ed@example.com")
    page = editor.client.get(f"/app/p/{link.project.id}/surveys/{link.survey_id}").get_data(as_text=True)
    assert f"http://localhost/s/{link.public_id}" in page
    for score in range(11):
        assert f"/s/{link.public_id}?uid={{UID}}&amp;amp;sig={{SIG}}&amp;amp;score={score}" in page
    assert "hmac.new(" in page and "createHmac(" in page


def test_the_command_line_prints_and_replaces_the_link_secret(app, gapwise, link):
    shown = gapwise("project", "link-secret", link.project.id)
    assert shown.exit_code == 0 and shown.output.strip() == link.secret
    rotated = gapwise("project", "link-secret", link.project.id, "--rotate")
    assert rotated.exit_code == 0 and rotated.output.strip() not in ("", link.secret)
    with app.app_context():
        assert db.session.get(Project, link.project.id).link_secret == rotated.output.strip()
    assert gapwise("project", "link-secret", 999).exit_code != 0
