"""The admin API's lists (accounts, responses, keys): cursor pages that never skip nor repeat a row, and filters."""

import base64
import json
import uuid

import orjson
import pytest

from tests.helpers import AdminApi, utc
from tests.story import Story

T0 = utc(2026, 10, 5, 9)
NPS = {
    "name": "NPS",
    "kind": "nps",
    "status": "active",
    "questions": [{"id": "score", "type": "nps", "text": "Recommend us?"}],
}
MANY = 1234


def group(user: str, account: str, day: int = 0, **traits) -> dict:
    return {
        "type": "group",
        "messageId": str(uuid.uuid4()),
        "userId": user,
        "groupId": account,
        "timestamp": T0.replace(day=T0.day + day).isoformat(),
        "traits": traits,
    }


@pytest.fixture
def survey(client, project):
    answer = AdminApi(client, project.secret_key, "surveys").post(json=NPS)
    assert answer.status_code == 201
    return answer.get_json()["id"]


def answer_many(batches, survey: int, count: int, first: int = 0) -> None:
    """`count` people each answer the survey once, through /v1/batch."""
    story = Story(batches, T0)
    for i in range(first, first + count):
        story.answer(f"u{i}", survey, {"score": i % 11}, day=i % 20, completed=i % 3 != 0)
    story.send()


def walk(api, limit: int, during=None, **filters) -> list[dict]:
    """Every row of a list, page by page; `during(page_number)` runs between pages."""
    rows, cursor, pages = [], None, 0
    while True:
        args = {"limit": limit, **filters, **({"cursor": cursor} if cursor else {})}
        answer = api.get(query_string=args)
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        rows += body[api.resource]
        assert len(body[api.resource]) <= limit
        cursor, pages = body["nextCursor"], pages + 1
        if cursor is None:
            return rows
        if during:
            during(pages)


@pytest.fixture
def responses(client, batches, project, survey):
    answer_many(batches, survey, MANY)
    return AdminApi(client, project.secret_key, "responses")


@pytest.mark.parametrize("limit", [7, 50, 500])
def test_walking_every_response_gives_each_exactly_once_in_order(responses, limit):
    ids = [r["id"] for r in walk(responses, limit)]
    assert len(ids) == MANY and ids == sorted(set(ids))


def test_responses_added_during_a_walk_come_at_its_end_and_nothing_repeats(responses, batches, survey):
    def add_some(page_number):
        if page_number in (1, 5):
            answer_many(batches, survey, 20, first=MANY + 20 * page_number)

    ids = [r["id"] for r in walk(responses, 100, during=add_some)]
    assert len(ids) == MANY + 40 and ids == sorted(set(ids))


def test_responses_are_filtered(responses, survey):
    everyone = walk(responses, 500)
    assert {r["survey"] for r in everyone} == {survey}
    complete = walk(responses, 500, completed="true")
    assert complete == [r for r in everyone if r["completed"]] and 0 < len(complete) < MANY
    assert walk(responses, 500, person="u7") == [r for r in everyone if r["userId"] == "u7"]
    since, until = utc(2026, 10, 10).isoformat(), utc(2026, 10, 12).isoformat()
    window = walk(responses, 500, since=since, until=until)
    assert window and all(since <= r["createdAt"] < until for r in window)
    assert walk(responses, 500, stage="trial") == everyone
    assert walk(responses, 500, stage="adoption") == [] and walk(responses, 50, survey=survey + 1) == []


def test_accounts_walk_and_filters(client, batches, project):
    messages = [
        group(
            f"u{i}",
            f"acct-{i:04d}",
            name=f"Company {i}",
            plan="pro" if i % 2 else "free",
            tier="gold" if i % 5 == 0 else None,
            mrr=i,
        )
        for i in range(321)
    ]
    messages += [group("u1000", "acct-1000", name="Stark Industries"), group("u1001", "acct-0001", 1)]
    for start in range(0, len(messages), 500):
        assert batches.post(messages[start : start + 500], sent_at=None).status_code == 200
    accounts = AdminApi(client, project.secret_key, "accounts")
    every = walk(accounts, 40)
    assert [a["id"] for a in every] == sorted({a["id"] for a in every}) and len(every) == 322
    assert len(walk(accounts, 500, plan="pro")) == 160 and len(walk(accounts, 500, tier="gold")) == 65
    assert [a["externalId"] for a in walk(accounts, 10, q="STARK")] == ["acct-1000"]
    assert [a["name"] for a in walk(accounts, 10, q="acct-000")] == [f"Company {i}" for i in range(10)]
    assert walk(accounts, 10, q="%") == [] and walk(accounts, 10, q="_") == []
    one = accounts.get(f"/{every[1]['id']}").get_json()
    assert (one["externalId"], one["people"], one["mrr"], one["plan"]) == ("acct-0001", 2, 1.0, "pro")


def forged(value) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


@pytest.mark.parametrize("resource", ["accounts", "responses", "keys"])
@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "e30",
        forged({"after": -1}),
        forged({"after": "12"}),
        forged([1]),
        forged({"after": True}),
        "x" * 201,
        "%%%",
    ],
)
def test_a_cursor_not_made_by_the_api_is_refused(client, project, resource, cursor):
    answer = AdminApi(client, project.secret_key, resource).get(query_string={"cursor": cursor})
    assert answer.status_code == 422
    assert answer.get_json()["code"] == "validation_error" and "cursor" in answer.get_json()["errors"]


@pytest.mark.parametrize("resource", ["accounts", "responses", "keys", "people"])
@pytest.mark.parametrize("after", [2**31 - 1, 2**31 + 5, 2**63 - 1])
def test_a_cursor_past_the_largest_id_is_an_empty_last_page(client, project, resource, after):
    """Ids are 32-bit in some tables and 64-bit in others: a forged cursor beyond them is no 5xx, just the end."""
    answer = AdminApi(client, project.secret_key, resource).get(query_string={"cursor": forged({"after": after})})
    assert answer.status_code == 200
    assert answer.get_json()["nextCursor"] is None and answer.get_json()[resource] == []


@pytest.mark.parametrize("resource", ["accounts", "responses", "keys", "people"])
@pytest.mark.parametrize("after", [2**63, 2**64 - 1, 10**30])
def test_a_cursor_beyond_64_bits_is_refused(client, project, resource, after):
    cursor = base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode().rstrip("=")
    answer = AdminApi(client, project.secret_key, resource).get(query_string={"cursor": cursor})
    assert answer.status_code == 422 and "cursor" in answer.get_json()["errors"]


@pytest.mark.parametrize("resource", ["accounts", "responses", "keys"])
@pytest.mark.parametrize("limit", [0, -1, 501, "ten"])
def test_a_limit_outside_1_to_500_is_refused(client, project, resource, limit):
    answer = AdminApi(client, project.secret_key, resource).get(query_string={"limit": limit})
    assert answer.status_code == 422 and "limit" in answer.get_json()["errors"]


@pytest.mark.parametrize(
    "args",
    [
        {"stage": "bored"},
        {"completed": "maybe"},
        {"survey": 0},
        {"since": "yesterday"},
        {"since": "2026-10-09", "until": "2026-10-01"},
    ],
)
def test_bad_response_filters_are_refused(client, project, args):
    answer = AdminApi(client, project.secret_key, "responses").get(query_string=args)
    assert answer.status_code == 422 and answer.get_json()["errors"]
