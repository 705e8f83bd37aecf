"""Notifications in Chromium: from a survey's results, an editor adds a Slack destination for detractors, sends a
test, and sees it delivered in the log; the receiver (a local http.server) got a Block Kit message.

The server is `gapwise serve` with its own delivery thread; the operator's allow-list lets it reach the receiver on
127.0.0.1, as it would a relay on the operator's own network."""

import re

import orjson
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from gapwise.db import db
from gapwise.models import Webhook
from tests.helpers import AdminApi, served
from tests.test_surveys_api import NPS
from tests.test_targeting import create
from tests.test_webhooks import LOCAL_RECEIVERS, Receiver
from tests.ui import make_user, sign_in

pytestmark = pytest.mark.slow


@pytest.fixture
def notifying_server(app):
    """`gapwise serve` that may deliver to 127.0.0.1, links to itself, and looks for due deliveries often."""
    env = {
        "GAPWISE_WEBHOOK_ALLOWED_PRIVATE_NETWORKS": LOCAL_RECEIVERS,
        "GAPWISE_PUBLIC_URL": "https://gapwise.example.com",
        "GAPWISE_WEBHOOK_POLL_SECONDS": "0.2",
    }
    with served(app.config["DATABASE_URL"], env=env) as base:
        yield base


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_an_editor_adds_slack_for_detractors_and_sees_the_test_delivered(
    app, page, client, project, notifying_server, receiver
):
    survey_id = create(AdminApi(client, project.secret_key, "surveys"), NPS)
    make_user(app, "editor@example.com", project.id, "editor")
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda r: problems.append(r.url) if r.status == 404 and "favicon" not in r.url else None)
    sign_in(page, notifying_server, "editor@example.com")

    page.goto(f"{notifying_server}/app/p/{project.id}/surveys/{survey_id}")
    page.get_by_role("link", name="Notify a channel of this survey's responses").click()
    expect(page.get_by_label("Slack")).to_be_checked()
    expect(page.get_by_label("Send")).to_have_value(f"survey:{survey_id}")
    slack_url = receiver.url + "/T0001/B0001/secretTOKENabcd"
    page.get_by_label("Incoming-webhook URL").fill(slack_url)
    page.get_by_label("Name").fill("#product-feedback")
    page.get_by_label("NPS at most").fill("6")
    page.get_by_role("button", name="Add destination").click()
    expect(page.locator(".flash")).to_contain_text("Slack destination added")
    expect(page.locator(".facts")).to_contain_text("NPS ≤ 6")
    expect(page.locator("#destination-url")).to_have_text(re.compile(r"^http://127\.0\.0\.1/…abcd$"))
    assert "secretTOKEN" not in page.content()

    page.get_by_role("button", name="Send a test").click()
    expect(page.locator(".flash")).to_contain_text("Test message queued")
    for _ in range(50):  # the server's delivery thread sends it within a poll or two
        if page.locator("#delivery-log tr.delivery-delivered").count():
            break
        page.wait_for_timeout(200)
        page.get_by_role("link", name="Refresh").click()
    row = page.locator("#delivery-log tr.delivery-delivered")
    expect(row).to_contain_text("webhook.test")
    expect(row).to_contain_text("200")

    [(headers, body)] = receiver.requests
    message = orjson.loads(body)
    assert message["blocks"][0]["text"]["text"] == "Test · NPS 3 · NPS"
    assert message["blocks"][-1]["elements"][0]["url"].startswith(f"https://gapwise.example.com/app/p/{project.id}/")
    with app.app_context():
        hook = db.session.scalar(select(Webhook))
        assert (hook.kind, hook.url, hook.filters) == ("slack", slack_url, {"surveyId": survey_id, "npsMax": 6})
    assert problems == []
