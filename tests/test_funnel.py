"""The journey funnel: reached and current counts, conversions, median times, signup-week cohorts, filters."""

from datetime import timedelta

import pytest

from tests.helpers import AdminApi, utc
from tests.story import Story

MONDAY = utc(2026, 9, 7)


@pytest.fixture
def funnel_api(client, batches, project):
    features = AdminApi(client, project.secret_key, "features")
    for key in ("export", "share", "alerts"):
        features.post(json={"key": key, "name": key, "selector": f"#{key}", "core": True, "aha": key == "export"})
    AdminApi(client, project.secret_key, "segments").post(
        json={
            "key": "pros",
            "name": "Pros",
            "rules": {"match": "all", "conditions": [{"field": "trait", "key": "plan", "op": "eq", "value": "pro"}]},
        }
    )
    s = Story(batches, MONDAY)
    # Week 1: four people; a reaches aha after 2 h, b after 10 h, c activates, d does nothing.
    for user in "abcd":
        s.person(user, 0, traits={"plan": "pro" if user in "ab" else "free"})
    s.use("a", "export", 0, hours=2 - 0.01)
    s.use("b", "export", 0, hours=10 - 0.01)
    for day, key in ((1, "export"), (2, "share"), (3, "alerts")):
        s.use("c", key, day, hours=-0.01)
    # Week 2: two people, one reaching aha after 4 h.
    for user in "ef":
        s.person(user, 7)
    s.use("e", "export", 7, hours=4 - 0.01)
    s.send()
    return AdminApi(client, project.secret_key, "funnel")


def stages(body):
    return {s["stage"]: s for s in body["stages"]}


def test_the_funnel_counts_who_reached_and_who_is_in_each_stage(funnel_api):
    body = funnel_api.get().get_json()
    got = stages(body)
    assert [got[s]["reached"] for s in ("trial", "aha", "activation", "adoption")] == [6, 4, 1, 0]
    assert [got[s]["current"] for s in ("trial", "aha", "activation", "adoption")] == [2, 3, 1, 0]
    assert got["aha"]["conversion"] == pytest.approx(4 / 6)
    assert got["activation"]["conversion"] == pytest.approx(1 / 4)
    assert got["adoption"]["conversion"] == 0
    # Hours to aha: a 2, b 10, c 24, e 4 → median 7.
    assert got["aha"]["medianHoursFromFirstSeen"] == pytest.approx(7)
    assert got["activation"]["medianHoursFromFirstSeen"] == pytest.approx(72)
    assert got["adoption"]["medianHoursFromFirstSeen"] is None


def test_cohorts_by_signup_week_and_filters(funnel_api):
    cohorts = funnel_api.get(query_string={"cohorts": "week"}).get_json()["cohorts"]
    assert [c["week"] for c in cohorts] == ["2026-09-07", "2026-09-14"]
    assert [s["reached"] for s in cohorts[0]["stages"]] == [4, 3, 1, 0]
    assert [s["reached"] for s in cohorts[1]["stages"]] == [2, 1, 0, 0]
    assert cohorts[1]["stages"][1]["conversion"] == 0.5
    late = funnel_api.get(query_string={"since": (MONDAY + timedelta(days=7)).isoformat()}).get_json()
    assert stages(late)["trial"]["reached"] == 2
    pros = funnel_api.get(query_string={"segment": "pros"}).get_json()
    assert [s["reached"] for s in pros["stages"]] == [2, 2, 0, 0]


@pytest.mark.parametrize(
    "args, status",
    [
        ({"segment": "nobody"}, 404),
        ({"since": "yesterday"}, 422),
        ({"since": "2026-10-02", "until": "2026-10-01"}, 422),
        ({"cohorts": "month"}, 422),
    ],
)
def test_bad_arguments_are_refused_clearly(funnel_api, args, status):
    answer = funnel_api.get(query_string=args)
    assert answer.status_code == status
    assert answer.get_json()["status"] == status


def test_an_empty_project_has_an_empty_funnel(client, other_project):
    body = AdminApi(client, other_project.secret_key, "funnel").get().get_json()
    assert [(s["reached"], s.get("conversion")) for s in body["stages"]] == [(0, None), (0, None), (0, None), (0, None)]
