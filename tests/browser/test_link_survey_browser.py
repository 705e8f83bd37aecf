"""Survey links in Chromium on a 390 px phone: a signed link answered on its page shows on the results page under
its user id; an email's score link records the score on load and asks the follow-up. Prints the page's weight."""

import hashlib
import hmac
import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from gapwise.db import db
from gapwise.models import Person, Project, Response, Survey
from tests.test_surveys_api import NPS, Api
from tests.ui import make_user, sign_in

pytestmark = pytest.mark.slow
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}


@pytest.fixture
def link(app, client, project):
    """The NPS survey's link, signed for a user id: link("cust-9") → the URL's path and query."""
    survey_id = Api(client, project.secret_key).post(json=NPS).get_json()["id"]
    with app.app_context():
        public_id = db.session.get(Survey, survey_id).public_id
        secret = db.session.get(Project, project.id).link_secret

    def signed(uid: str) -> str:
        sig = hmac.new(secret.encode(), f"{public_id}:{uid}".encode(), hashlib.sha256).hexdigest()
        return f"/s/{public_id}?uid={uid}&sig={sig}"

    signed.survey_id = survey_id  # type: ignore[attr-defined]
    return signed


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    yield page
    context.close()


def stored(app, survey_id: int, until, seconds: float = 15) -> list[tuple]:
    """The survey's responses (user id, answers, completed), once `until(rows)` holds (the writer stores them)."""
    deadline = time.monotonic() + seconds
    while True:
        with app.app_context():
            rows = [
                tuple(r)
                for r in db.session.execute(
                    select(Person.user_id, Response.answers, Response.completed)
                    .join(Person, Person.id == Response.person_id)
                    .where(Response.survey_id == survey_id)
                )
            ]
        if until(rows) or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def test_a_signed_link_answered_on_a_phone_shows_on_the_results_page(app, gunicorn_server, project, link, phone, page):
    problems = []
    phone.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    phone.goto(gunicorn_server + link("cust-9"))
    expect(phone.get_by_text("How likely are you to recommend us?")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0
    for button in phone.get_by_role("radio").all():
        box = button.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, box
    phone.get_by_role("radio", name="3", exact=True).tap()
    phone.locator("textarea").fill("Exports are slow")
    phone.get_by_role("button", name="Submit").tap()
    expect(phone.get_by_text("Thanks!")).to_be_visible()
    assert problems == []

    assert stored(app, link.survey_id, lambda rows: rows and rows[0][2]) == [
        ("cust-9", {"score": 3, "detractor": "Exports are slow"}, True)
    ]
    make_user(app, "pm@example.com", project.id, "viewer")
    sign_in(page, gunicorn_server, "pm@example.com")
    page.goto(f"{gunicorn_server}/app/p/{project.id}/surveys/{link.survey_id}")
    expect(page.locator("li.response a.person")).to_have_text("cust-9")
    expect(page.locator("#survey-link")).to_have_value(re.compile(r"/s/[\w-]{22}$"))


def test_an_email_score_link_records_the_score_on_load_then_asks_the_follow_up(app, gunicorn_server, link, phone):
    sizes, origins = {}, set()

    def finished(request):
        origins.add(re.match(r"https?://[^/]+", request.url).group(0))
        if request.method == "GET":  # the page and what it loads; its POSTs are the answers
            sizes[request.url] = request.sizes()["responseBodySize"]

    phone.on("requestfinished", finished)
    phone.goto(gunicorn_server + link("cust-10") + "&score=9")
    # One click in the email: the score is stored as the page loads, and the follow-up is on screen.
    expect(phone.get_by_text("What do you like most?")).to_be_visible()
    assert stored(app, link.survey_id, bool) == [("cust-10", {"score": 9}, False)]

    phone.locator("textarea").fill("Fast exports")
    phone.get_by_role("button", name="Submit").tap()
    expect(phone.get_by_text("Thanks!")).to_be_visible()
    assert stored(app, link.survey_id, lambda rows: rows[0][2]) == [
        ("cust-10", {"score": 9, "promoter": "Fast exports"}, True)
    ]
    assert origins == {gunicorn_server}  # nothing from elsewhere
    weight = sum(sizes.values())
    print(f"\nlink page weight: {weight} B transferred (HTML and widgets.js, gzipped): {sizes}")
    assert weight < 12 * 1024
