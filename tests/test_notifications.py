"""Notifications: Slack and Teams destinations beside signed webhooks, filters checked when an event is queued,
and the dashboard's Notifications pages.

Answers go in through the real ingest path (Story); messages reach a real receiver on 127.0.0.1, which the
operator's allow-list lets through (as in test_webhooks); the worker is driven with `deliver`.
"""

from datetime import timedelta

import orjson
import pytest
from sqlalchemy import select

from gapwise.core.webhooks import hooks as webhooks
from gapwise.core.webhooks import messages
from gapwise.db import db
from gapwise.models import Person, Webhook, WebhookDelivery
from gapwise.models.base import utcnow
from tests.helpers import AdminApi
from tests.story import Story
from tests.test_gaps import Product
from tests.test_surveys_api import CSAT, NPS
from tests.test_targeting import create
from tests.test_webhooks import LOCAL_RECEIVERS, Receiver, deliver
from tests.ui import Browser, make_user

PUBLIC_URL = "https://gapwise.example.com"
ANGRY = "Exports fail <b>again</b> & again, tell <!channel> @here"


@pytest.fixture
def hooks(client, project):
    return AdminApi(client, project.secret_key, "webhooks")


@pytest.fixture
def surveys(client, project):
    return AdminApi(client, project.secret_key, "surveys")


@pytest.fixture
def receiver(app):
    app.config["WEBHOOK_ALLOWED_PRIVATE_NETWORKS"] = LOCAL_RECEIVERS
    app.config["PUBLIC_URL"] = PUBLIC_URL + "/"
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def story(batches):
    return Story(batches, utcnow() - timedelta(days=2))


def destination(hooks, url, kind="slack", events=("response.created",), name="", **filters) -> dict:
    answer = hooks.post(json={"kind": kind, "name": name, "url": url, "events": list(events), "filters": filters})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def bodies(receiver) -> list[dict]:
    return [orjson.loads(body) for _, body in receiver.requests]


def test_a_detractor_reaches_slack_as_block_kit_with_the_text_escaped(app, project, hooks, surveys, receiver, story):
    survey_id = create(surveys, NPS)
    destination(hooks, receiver.url, surveyId=survey_id, npsMax=6)
    story.person("dana")
    story.answer("dana", survey_id, {"score": 3, "detractor": ANGRY}, day=1)
    story.send()
    assert deliver(app) == 1
    [(headers, _)] = receiver.requests
    assert "webhook-signature" not in headers  # Slack reads the message alone
    [message] = bodies(receiver)
    assert message["text"].startswith("NPS 3 · NPS from dana")
    assert "<" not in message["text"]
    header, facts, quote, context, actions = message["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": "NPS 3 · NPS"}}
    assert facts["fields"] == [{"type": "mrkdwn", "text": "*Score*\n3 (detractor)"}]
    assert quote["text"]["text"] == (
        "*What disappointed you?*\n> Exports fail &lt;b&gt;again&lt;/b&gt; &amp; again, tell &lt;!channel&gt; @here"
    )
    assert context["elements"][0]["text"] == "Person: *dana* · Stage: *trial*"
    with app.app_context():
        person_id = db.session.scalar(select(Person.id).where(Person.user_id == "dana"))
    assert [(e["text"]["text"], e["url"]) for e in actions["elements"]] == [
        ("Open the person", f"{PUBLIC_URL}/app/p/{project.id}/people/{person_id}"),
        ("Survey results", f"{PUBLIC_URL}/app/p/{project.id}/surveys/{survey_id}"),
    ]


@pytest.mark.parametrize(
    "filters, answers, sent",
    [
        ({"npsMax": 6}, {"score": 10, "promoter": "Love it"}, False),
        ({"npsMax": 6}, {"score": 6}, True),
        ({"npsMax": 6}, {"detractor": "no score"}, False),  # no score given: not a detractor
        ({"textContains": "EXPORT"}, {"score": 9, "promoter": "the exports are great"}, True),
        ({"textContains": "export"}, {"score": 2, "detractor": "Too slow"}, False),
        ({"npsMax": 6, "textContains": "slow"}, {"score": 2, "detractor": "Too slow"}, True),
        ({"npsMax": 6, "textContains": "slow"}, {"score": 8, "promoter": "a bit slow"}, False),
    ],
)
def test_response_filters_decide_what_enters_the_outbox(
    app, batches, hooks, surveys, receiver, story, filters, answers, sent
):
    survey_id = create(surveys, NPS)
    destination(hooks, receiver.url, **filters)
    story.person("u1")
    story.answer("u1", survey_id, answers, day=1)
    story.send()
    assert batches.count(WebhookDelivery) == (1 if sent else 0)
    deliver(app)
    assert len(receiver.requests) == (1 if sent else 0)


def test_a_destination_for_one_survey_hears_of_no_other(app, batches, hooks, surveys, receiver, story):
    nps, csat = create(surveys, NPS), create(surveys, CSAT)
    destination(hooks, receiver.url, surveyId=csat, ratingMax=2)
    story.person("u1")
    story.answer("u1", nps, {"score": 1}, day=1)
    story.answer("u1", csat, {"csat": 4}, day=1, hours=3)
    story.answer("u1", csat, {"csat": 2}, day=1, hours=4)
    story.send()
    [queued] = batches.all(WebhookDelivery)
    assert queued.payload["blocks"][0]["text"]["text"] == "CSAT 2 · CSAT"


def test_teams_gets_an_adaptive_card(app, hooks, surveys, receiver, story):
    survey_id = create(surveys, NPS)
    destination(hooks, receiver.url, kind="teams", npsMax=6)
    story.person("u1")
    story.answer("u1", survey_id, {"score": 4, "detractor": "Broken [link](https://evil.example) *now*"}, day=1)
    story.send()
    assert deliver(app) == 1
    [message] = bodies(receiver)
    assert message["type"] == "message"
    [attachment] = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    title, facts, question, answer, context = card["body"]
    assert title["type"] == "TextBlock" and title["text"] == "NPS 4 · NPS"
    assert facts == {"type": "FactSet", "facts": [{"title": "Score", "value": "4 (detractor)"}]}
    assert question["text"] == "What disappointed you?"
    assert answer["text"] == r"Broken \[link\](https://evil.example) \*now\*"  # no link, no bold
    assert context["text"] == "Person: u1 · Stage: trial"
    assert [a["title"] for a in card["actions"]] == ["Open the person", "Survey results"]
    assert all(a["type"] == "Action.OpenUrl" and a["url"].startswith(PUBLIC_URL + "/app/p/") for a in card["actions"])


def test_gap_kinds_and_priority_filter_gap_flagged(app, client, batches, project, hooks, receiver):
    product = Product(client, batches, project)
    product.first_month()
    everything = destination(hooks, receiver.url, kind="webhook", events=["gap.flagged"])
    communication = destination(hooks, receiver.url, events=["gap.flagged"], gapTypes=["communication"])
    least = 1000  # the story's gaps put 200 to 1,600 of MRR at risk: about half reach this

    urgent = destination(hooks, receiver.url, kind="teams", events=["gap.flagged"], minPriority=least)
    new = [g for g in product.report()["gaps"] if g["trend"] == "new"]
    queued: dict[int, list] = {}
    for d in batches.all(WebhookDelivery):
        queued.setdefault(d.webhook_id, []).append(d.payload)
    assert len(queued[everything["id"]]) == len(new)  # a webhook without filters hears of every gap, as before
    kinds = {g["type"] for g in new}
    assert "communication" in kinds and len(kinds) > 1
    assert len(queued[communication["id"]]) == len([g for g in new if g["type"] == "communication"])
    first = queued[communication["id"]][0]["blocks"]
    assert first[0]["text"]["text"].startswith("Gap flagged: ")
    assert first[1]["fields"][0]["text"] == "*Kind*\ncommunication"
    assert 0 < len(queued[urgent["id"]]) == len([g for g in new if g["priority"] >= least]) < len(new)
    card = queued[urgent["id"]][0]["attachments"][0]["content"]
    assert card["body"][0]["text"].startswith("Gap flagged: ")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "discord", "events": ["gap.flagged"]}, "kind"),
        ({"kind": "slack", "events": ["gap.flagged"], "url": "http://hooks.example.com/x"}, "url"),
        ({"events": ["gap.flagged"], "filters": {"npsMax": 6}}, "filters.npsMax"),
        ({"events": ["response.created"], "filters": {"gapTypes": ["stall"]}}, "filters.gapTypes"),
        ({"events": ["gap.flagged"], "filters": {"gapTypes": ["boredom"]}}, "filters.gapTypes"),
        ({"events": ["response.created"], "filters": {"npsMax": 11}}, "filters.npsMax"),
        ({"events": ["response.created"], "filters": {"npsMax": "6"}}, "filters.npsMax"),
        ({"events": ["response.created"], "filters": {"surveyId": 999}}, "filters.surveyId"),
        ({"events": ["response.created"], "filters": {"nps": 6}}, "filters.nps"),
    ],
)
def test_kinds_and_filters_are_validated_with_clear_errors(hooks, body, field):
    answer = hooks.post(json={"url": "https://93.184.215.14/services/x", **body})
    assert answer.status_code == 422
    errors = answer.get_json()["errors"]
    top, _, inner = field.partition(".")
    assert errors[top][inner] if inner else errors[top], errors


def test_a_slack_url_on_loopback_is_refused_at_creation_and_at_delivery(app, hooks, project):
    refused = hooks.post(json={"kind": "slack", "url": "https://127.0.0.1/services/x", "events": ["gap.flagged"]})
    assert refused.status_code == 422
    assert "loopback, private, link-local" in refused.get_json()["errors"]["url"][0]
    r = Receiver()
    try:
        app.config["WEBHOOK_ALLOWED_PRIVATE_NETWORKS"] = LOCAL_RECEIVERS
        made = destination(hooks, r.url, events=["gap.flagged"])
        app.config["WEBHOOK_ALLOWED_PRIVATE_NETWORKS"] = ()  # the operator takes the allowance back
        assert hooks.post(f"/{made['id']}/test").status_code == 202
        deliver(app)
    finally:
        r.close()
    assert r.requests == []
    [row] = hooks.get(f"/{made['id']}/deliveries").get_json()["deliveries"]
    assert row["lastError"] == "delivery failed: could not reach the receiver" and row["lastStatusCode"] is None


def test_a_test_message_is_a_sample_of_what_the_channel_will_get(app, batches, hooks, surveys, receiver):
    survey_id = create(surveys, NPS)
    made = destination(hooks, receiver.url, surveyId=survey_id, npsMax=6)
    queued = hooks.post(f"/{made['id']}/test")
    assert queued.status_code == 202 and queued.get_json()["eventType"] == "webhook.test"
    assert deliver(app) == 1
    [message] = bodies(receiver)
    assert message["blocks"][0]["text"]["text"] == "Test · NPS 3 · NPS"
    assert "&lt;again&gt; &amp; again" in message["blocks"][2]["text"]["text"]
    [row] = hooks.get(f"/{made['id']}/deliveries").get_json()["deliveries"]
    assert row["status"] == "delivered" and row["lastStatusCode"] == 200 and row["attempts"] == 1


def test_secret_urls_are_masked_in_the_api(hooks, app):
    url = "https://93.184.215.14/services/T000/B000/XXXXsecretABCD"
    made = destination(hooks, url, name="#feedback")
    assert made["url"] == "https://93.184.215.14/…ABCD" and made["name"] == "#feedback"
    [listed] = hooks.get().get_json()["webhooks"]
    assert listed["url"] == "https://93.184.215.14/…ABCD" and listed["kind"] == "slack"
    with app.app_context():
        assert db.session.scalar(select(Webhook.url)) == url


def test_messages_are_cut_to_slacks_limits():
    long = "<" * 5000
    text = messages.mrkdwn(long, 100)
    assert len(text) <= 100 and text.endswith("…") and not text.removesuffix("…").endswith("&")
    assert messages.cut("x" * 200, 150) == "x" * 149 + "…"


# The dashboard's pages.


@pytest.fixture
def editor(app, client, project):
    make_user(app, "editor@example.com", project.id, "editor")
    browser = Browser(client)
    assert browser.login("editor@example.com").status_code == 302
    return browser


def test_an_editor_adds_a_slack_destination_tests_it_and_reads_the_log(app, client, project, surveys, receiver, editor):
    survey_id = create(surveys, NPS)
    base = f"/app/p/{project.id}/notifications"
    form = client.get(f"{base}/new?survey={survey_id}").get_data(as_text=True)
    assert f'value="survey:{survey_id}" selected' in form
    secret_url = receiver.url + "/T000/B000/secretWXYZ"
    answer = editor.submit(
        f"{base}/new",
        f"{base}/new",
        {
            "kind": "slack",
            "url": secret_url,
            "name": "#feedback",
            "scope": f"survey:{survey_id}",
            "filters.npsMax": "6",
        },
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)
    detail = answer.headers["Location"]
    page = client.get(detail).get_data(as_text=True)
    assert "NPS ≤ 6" in page and "secretWXYZ" not in page and "…WXYZ" in page
    assert editor.submit(detail, f"{detail}/test", {}).status_code == 303
    assert "pending" in client.get(detail).get_data(as_text=True)
    deliver(app)
    log = client.get(detail).get_data(as_text=True)
    assert 'class="delivery-delivered"' in log and "webhook.test" in log
    listing = client.get(base).get_data(as_text=True)
    assert "#feedback" in listing and "secretWXYZ" not in listing
    results = client.get(f"/app/p/{project.id}/surveys/{survey_id}").get_data(as_text=True)
    assert "#feedback" in results and "secretWXYZ" not in results


def test_a_form_with_a_bad_filter_shows_why(client, project, editor):
    base = f"/app/p/{project.id}/notifications"
    answer = editor.submit(
        f"{base}/new",
        f"{base}/new",
        {"kind": "teams", "url": "http://93.184.215.14/x", "scope": "responses", "filters.npsMax": "eleven"},
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Slack and Teams incoming-webhook URLs start with https://." in page or "Not a valid" in page


def test_pause_and_delete_with_confirmation(app, client, project, hooks, editor):
    made = destination(hooks, "https://93.184.215.14/services/x", events=["gap.flagged"])
    detail = f"/app/p/{project.id}/notifications/{made['id']}"
    assert editor.submit(detail, f"{detail}/pause", {}).status_code == 303
    assert hooks.get(f"/{made['id']}").get_json()["active"] is False
    asked = editor.submit(detail, f"{detail}/delete", {})
    assert asked.status_code == 200 and "Yes, delete it" in asked.get_data(as_text=True)
    assert hooks.get(f"/{made['id']}").status_code == 200
    assert editor.submit(detail, f"{detail}/delete", {"confirm": "yes"}).status_code == 303
    assert hooks.get(f"/{made['id']}").status_code == 404


def test_a_webhooks_secret_is_shown_once(client, project, editor):
    base = f"/app/p/{project.id}/notifications"
    made = editor.submit(
        f"{base}/new", f"{base}/new", {"kind": "webhook", "url": "https://93.184.215.14/h", "scope": "gaps"}
    )
    assert made.status_code == 201
    secret = made.get_data(as_text=True).split('id="new-secret" type="text" class="code" readonly value="')[1][:20]
    assert secret.startswith("whsec_")
    listing = client.get(base).get_data(as_text=True)
    detail = client.get(f"{base}/1").get_data(as_text=True)
    assert secret not in listing and secret not in detail and secret[:10] in detail


def test_another_projects_destinations_are_not_listed(app, client, project, other_project, hooks, editor):
    theirs = destination(
        AdminApi(client, other_project.secret_key, "webhooks"), "https://93.184.215.14/theirs", events=["gap.flagged"]
    )
    listing = client.get(f"/app/p/{project.id}/notifications").get_data(as_text=True)
    assert "93.184.215.14" not in listing
    assert client.get(f"/app/p/{project.id}/notifications/{theirs['id']}").status_code == 404
    assert client.get(f"/app/p/{other_project.id}/notifications").status_code == 404


def test_the_gaps_page_links_to_a_gap_destination(client, project, editor):
    page = client.get(f"/app/p/{project.id}/gaps").get_data(as_text=True)
    assert f"/app/p/{project.id}/notifications/new?scope=gaps" in page
    form = client.get(f"/app/p/{project.id}/notifications/new?scope=gaps").get_data(as_text=True)
    assert 'value="gaps" selected' in form


def test_a_viewer_reads_but_cannot_test(app, client, project, hooks):
    made = destination(hooks, "https://93.184.215.14/services/x", events=["gap.flagged"])
    make_user(app, "viewer@example.com", project.id, "viewer")
    viewer = Browser(client)
    viewer.login("viewer@example.com")
    detail = f"/app/p/{project.id}/notifications/{made['id']}"
    page = client.get(detail).get_data(as_text=True)
    assert "Send a test" not in page and "Delivery log" in page
    assert viewer.submit(detail, f"{detail}/test", {}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(WebhookDelivery.id)) is None
    assert webhooks.TEST_EVENT == "webhook.test"
