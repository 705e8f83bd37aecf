"""/api/v1/people: filtered, paginated lists; one person; export of everything held; erasure that leaves nothing."""

import pytest
from sqlalchemy import func, select

from gapwise.db import db
from gapwise.models import Base, Person
from tests.helpers import AdminApi, utc
from tests.story import Story
from tests.test_gaps import AT, N, product  # noqa: F401  (the planted-gaps scenario)
from tests.test_rollups import rebuilt, snapshot

T0 = utc(2026, 10, 5, 9)


@pytest.fixture
def people(client, batches, project):
    AdminApi(client, project.secret_key, "features").post(
        json={"key": "export", "name": "Export", "selector": "#export", "core": True, "aha": True}
    )
    s = Story(batches, T0)
    for i in range(7):
        s.person(f"u{i}", i, traits={"plan": "pro" if i % 2 else "free"}, account="acme" if i < 3 else "globex")
        if i < 2:
            s.use(f"u{i}", "export", i)
    s.send()
    anonymous = {
        "type": "page",
        "messageId": "anon-page",
        "anonymousId": "browser-9",
        "timestamp": s.at(3).isoformat(),
        "properties": {"path": "/"},
    }
    assert batches.post([anonymous], sent_at=None).status_code == 200
    return AdminApi(client, project.secret_key, "people")


def ids_of(answer):
    return [p["userId"] for p in answer.get_json()["people"]]


def test_people_are_listed_page_by_page_and_filtered(people):
    first = people.get(query_string={"limit": 3})
    assert first.status_code == 200
    assert ids_of(first) == ["u0", "u1", "u2"]
    rest = people.get(query_string={"limit": 10, "cursor": first.get_json()["nextCursor"]})
    assert ids_of(rest) == ["u3", "u4", "u5", "u6", None] and rest.get_json()["nextCursor"] is None
    assert ids_of(people.get(query_string={"stage": "aha"})) == ["u0", "u1"]
    assert ids_of(people.get(query_string={"account": "acme"})) == ["u0", "u1", "u2"]
    assert ids_of(people.get(query_string={"userId": "u4"})) == ["u4"]
    anonymous = people.get(query_string={"anonymousId": "browser-9"}).get_json()["people"]
    assert [p["anonymousIds"] for p in anonymous] == [["browser-9"]]
    assert (
        people.get(query_string={"seenUntil": utc(2026, 10, 7, 12).isoformat()}).get_json()["people"][-1]["userId"]
        == "u2"
    )


@pytest.mark.parametrize(
    "args",
    [
        {"userId": "a\x00b"},
        {"stage": "bored"},
        {"limit": 0},
        {"limit": 501},
        {"cursor": "not-ours"},
        {"seenSince": "2026-10-09", "seenUntil": "2026-10-01"},
    ],
)
def test_bad_filters_are_refused(people, args):
    answer = people.get(query_string=args)
    assert answer.status_code == 422 and answer.get_json()["code"]


def test_one_person_and_everything_held_about_them(people):
    person = people.get(query_string={"userId": "u0"}).get_json()["people"][0]
    shown = people.get(f"/{person['id']}").get_json()
    assert (shown["stage"], shown["account"]["externalId"], shown["traits"]) == ("aha", "acme", {"plan": "free"})
    held = people.get(f"/{person['id']}/export").get_json()
    assert held["person"]["userId"] == "u0"
    assert [e["name"] for e in held["events"] if e["type"] == "track"] == ["feature_seen", "feature_used"]
    assert {"displays", "responses", "goals"} <= set(held)
    assert people.get("/999999").status_code == 404


def test_another_project_cannot_see_or_erase_a_person(people, client, other_project, app):
    person = people.get(query_string={"userId": "u1"}).get_json()["people"][0]["id"]
    other = AdminApi(client, other_project.secret_key, "people")
    for call in (
        lambda: other.get(f"/{person}"),
        lambda: other.get(f"/{person}/export"),
        lambda: other.delete(f"/{person}"),
    ):
        assert call().status_code == 404
    assert other.get().get_json()["people"] == []
    assert people.get(f"/{person}").status_code == 200


def rows_of(app, person_id) -> dict[str, int]:
    """Rows that name the person, in every table with a person_id column (and the person row)."""
    with app.app_context():
        counts = {
            t.name: db.session.scalar(select(func.count()).select_from(t).where(t.c.person_id == person_id))
            for t in Base.metadata.sorted_tables
            if "person_id" in t.c
        }
        counts["people"] = db.session.scalar(select(func.count()).select_from(Person).where(Person.id == person_id))
        return counts


def test_erasing_a_person_leaves_no_row_of_theirs_and_figures_are_measured_again(app, client, product, project):  # noqa: F811
    api = AdminApi(client, project.secret_key, "people")
    gaps = AdminApi(client, project.secret_key, "gaps")

    def communication():
        report = gaps.post("/evaluate", query_string={"at": AT.isoformat()}).get_json()
        return next(g for g in report["gaps"] if g["key"] == "communication:alerts:all")

    before = communication()
    assert before["evidence"]["expected"] == N
    person = api.get(query_string={"userId": "p0"}).get_json()["people"][0]["id"]
    assert all(
        rows_of(app, person)[t]
        for t in ("events", "displays", "responses", "feature_usage", "activity", "person_goals", "people")
    )
    answer = api.delete(f"/{person}")
    assert answer.status_code == 200
    assert answer.get_json()["deleted"]["events"] > 0 and answer.get_json()["deleted"]["people"] == 1
    assert set(rows_of(app, person).values()) == {0}
    assert api.get(f"/{person}").status_code == 404
    after = communication()
    assert after["evidence"]["expected"] == N - 1 and after["affectedPeople"] == before["affectedPeople"] - 1
    assert snapshot(app, project.id) == rebuilt(app, project.id)  # what is left is consistent


def test_erasure_also_forgets_webhook_deliveries_that_carried_their_answers(app, client, batches, project):
    AdminApi(client, project.secret_key, "webhooks").post(
        json={"url": "https://hooks.example.com/hook", "events": ["response.created"]}
    )
    survey = (
        AdminApi(client, project.secret_key, "surveys")
        .post(
            json={
                "name": "NPS",
                "kind": "nps",
                "status": "active",
                "questions": [{"id": "score", "type": "nps", "text": "Recommend?"}],
            }
        )
        .get_json()["id"]
    )
    s = Story(batches, T0)
    for user in ("gone", "stays"):
        s.person(user)
        s.answer(user, survey, {"score": 9}, 0)
    s.send()
    deliveries = AdminApi(client, project.secret_key, "webhooks")
    hook = deliveries.get().get_json()["webhooks"][0]["id"]

    def logged():
        return [d["messageId"] for d in deliveries.get(f"/{hook}/deliveries").get_json()["deliveries"]]

    assert len(logged()) == 2
    people = AdminApi(client, project.secret_key, "people")
    gone = people.get(query_string={"userId": "gone"}).get_json()["people"][0]["id"]
    assert people.delete(f"/{gone}").get_json()["deleted"]["webhookDeliveries"] == 1
    assert len(logged()) == 1
