"""The people of a gap are exactly those failing its condition: for a delivery gap, those who never used
the feature, used it on one day only or rated it 1–3 (whichever failed); for a perception gap, the
respondents whose own perception is under their own expectation."""

from datetime import timedelta

from tests.helpers import AdminApi
from tests.test_gaps import ADS, ALERTS_USERS, AT, SHARE_SEEN, SHARE_TRIED, N, Product


def flagged(report: dict) -> dict:
    return {(g["type"], g["subject"], g["cohort"]): g for g in report["gaps"] if g["flagged"]}


def test_a_delivery_gap_counts_the_one_day_users_and_low_raters_not_everyone_who_saw_it(client, batches, project):
    p = Product(client, batches, project)
    p.first_month()
    gap = flagged(p.report())["delivery", "share", "all"]
    assert set(gap["evidence"]["failing"]) == {"repeat", "csat"}  # adoption (24 of 32) passes
    # Those who tried share once and rated it 1 or 2; not the 8 who only saw it (they did not fail adoption).
    assert gap["affectedPeople"] == len(SHARE_TRIED) < len(SHARE_SEEN)


def test_a_perception_gap_counts_the_respondents_under_their_own_expectation(client, batches, project):
    p = Product(client, batches, project)
    p.first_month()
    for i in range(6):  # six more respondents, pleased: perception over expectation
        p.story.person(f"pleased{i}", 14)
        p.story.answer(f"pleased{i}", p.servqual, {"e": 4, "p": 7}, 18)
    p.story.send()
    gap = flagged(p.report())["perception", "reliability", "all"]
    assert gap["evidence"]["nPerception"] == 20 + 6
    assert gap["affectedPeople"] == 20  # p20..p39 answered 3 or 4 against an expectation of 6


def listed(p: Product, gap_id: int) -> set[str]:
    """Every person GET /api/v1/people?gap=<id> lists, page after page."""
    people, cursor = set(), None
    while True:
        query = {"gap": gap_id, "limit": 7, **({"cursor": cursor} if cursor else {})}
        page = p.api["people"].get(query_string=query)
        assert page.status_code == 200, page.get_json()
        people |= {x["userId"] for x in page.get_json()["people"]}
        cursor = page.get_json()["nextCursor"]
        if not cursor:
            return people


def test_the_people_a_gap_links_to_are_exactly_those_it_counts(client, batches, project, other_project):
    p = Product(client, batches, project)
    p.api["people"] = AdminApi(client, project.secret_key, "people")
    p.first_month()
    gaps = flagged(p.report())
    delivery, perception = gaps["delivery", "share", "all"], gaps["perception", "reliability", "all"]
    communication, stall = gaps["communication", "alerts", "all"], gaps["stall", "trial", "segment:ads"]
    assert listed(p, delivery["id"]) == {f"p{i}" for i in SHARE_TRIED}
    assert listed(p, perception["id"]) == {f"p{i}" for i in range(20, 40)}
    assert listed(p, communication["id"]) == {f"p{i}" for i in range(N) if i not in ALERTS_USERS}
    assert listed(p, stall["id"]) == {f"p{i}" for i in ADS}
    for g in gaps.values():
        assert len(listed(p, g["id"])) == g["affectedPeople"]
    # Another project's key cannot read them, and an unknown gap is a clear 404.
    foreign = AdminApi(client, other_project.secret_key, "people").get(query_string={"gap": delivery["id"]})
    assert foreign.status_code == 404 and "No gap" in foreign.get_json()["message"]
    assert p.api["people"].get(query_string={"gap": "x"}).status_code == 422
    # When alerts are found in the next window its gap closes and lists no one.
    p.second_month_alerts_found()
    p.report(AT + timedelta(days=30))
    assert listed(p, communication["id"]) == set()
