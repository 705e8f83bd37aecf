"""The people of a gap are exactly those failing its condition: for a delivery gap, those who never used
the feature, used it on one day only or rated it 1–3 (whichever failed); for a perception gap, the
respondents whose own perception is under their own expectation."""

from tests.test_gaps import SHARE_SEEN, SHARE_TRIED, Product


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
