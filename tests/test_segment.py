"""Segment-compatible ingestion: teams keep their Segment SDKs and point them at Gapwise.

The official `segment-analytics-python` client (pinned in the test extra) sends to a live `gapwise serve`
with the write key in `Authorization: Basic`; Segment's single-message endpoints take one message each.
"""

import base64
import uuid

import orjson
import pytest
import requests
import segment.analytics as segment

from gapwise.models import Account, Event, Person, PersonAlias
from tests.helpers import drain, served

pytestmark = pytest.mark.slow


def ndjson(response) -> list[dict]:
    return [orjson.loads(line) for line in response.content.splitlines() if line]


def test_the_official_segment_client_sends_every_message_type(app, project, batches):
    with served(app.config["DATABASE_URL"]) as base:
        client = segment.Client(project.write_key, host=base, sync_mode=True, max_retries=1)
        errors: list = []
        client.on_error = lambda error, _items: errors.append(error)
        client.page(anonymous_id="phone-1", name="Pricing", properties={"path": "/pricing"})
        client.screen(anonymous_id="phone-1", name="Home", properties={"tab": "home"})
        client.alias(previous_id="phone-1", user_id="u-42")
        client.identify("u-42", {"email": "ada@example.com", "plan": "pro"})
        client.track("u-42", "Report Exported", {"format": "pdf"})
        client.group("u-42", "acme", {"name": "Acme", "mrr": 990})
        client.flush()
        assert errors == []
        drain(app)
        exported = requests.get(
            f"{base}/api/v1/export/events",
            params={"format": "ndjson"},
            headers={"Authorization": f"Bearer {project.secret_key}"},
            timeout=30,
        )
    assert exported.status_code == 200
    types = {row["type"] for row in ndjson(exported)}
    assert types == {"page", "screen", "alias", "identify", "track", "group"}
    [person] = batches.all(Person)  # the alias joined the phone's anonymous visits to the user
    assert person.user_id == "u-42" and person.traits == {"email": "ada@example.com", "plan": "pro"}
    assert [a.anonymous_id for a in batches.all(PersonAlias)] == ["phone-1"]
    assert {e.person_id for e in batches.all(Event)} == {person.id}
    [account] = batches.all(Account)
    assert (account.external_id, account.name, float(account.mrr)) == ("acme", "Acme", 990.0)


def basic(write_key: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()}


@pytest.mark.parametrize("kind", ["track", "identify", "page", "screen", "group", "alias"])
def test_each_single_message_endpoint_stores_its_type(client, project, batches, kind):
    fields = {
        "track": {"event": "Signed Up"},
        "identify": {"traits": {"plan": "free"}},
        "page": {"name": "Home", "properties": {"path": "/"}},
        "screen": {"name": "Settings"},
        "group": {"groupId": "acme", "traits": {"plan": "team"}},
        "alias": {"previousId": "anon-9"},
    }[kind]
    body = {"userId": "u-1", "messageId": str(uuid.uuid4()), "timestamp": "2026-11-23T10:00:00Z", **fields}
    answer = client.post(f"/v1/{kind}", json=body, headers=basic(project.write_key))
    assert answer.status_code == 200 and answer.get_json()["accepted"] == 1
    [event] = batches.all(Event)
    assert event.type == kind


def test_a_single_message_endpoint_refuses_a_bad_message_with_its_reasons(client, project, batches):
    answer = client.post("/v1/track", json={"userId": "u-1", "messageId": "m-1"}, headers=basic(project.write_key))
    assert answer.status_code == 400 and "event" in answer.get_json()["errors"]
    assert batches.count(Event) == 0


@pytest.mark.parametrize(
    "header",
    [{}, {"Authorization": "Basic !!!"}, {"Authorization": "Basic " + base64.b64encode(b"pk_unknown:").decode()}],
)
def test_without_a_valid_key_in_body_or_basic_auth_nothing_is_taken(client, batches, header):
    body = {"userId": "u-1", "messageId": "m-1", "event": "Signed Up"}
    assert client.post("/v1/track", json=body, headers=header).status_code == 401
    assert batches.count(Event) == 0
