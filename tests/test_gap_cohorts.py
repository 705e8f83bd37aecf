"""Cohorts that find the cause: CSAT is read per cohort, a cohort significantly worse than everyone else is
flagged on its own even when everyone's cohort is flagged too, and a cohort under minPeople never flags."""

from tests.test_gaps import Product


def flagged(report: dict) -> dict:
    return {(g["type"], g["subject"], g["cohort"]): g for g in report["gaps"] if g["flagged"]}


def people(p: Product, n: int, ads: int) -> None:
    """People who sign up in the product (identified, and a first page view there) on day 12."""
    for i in range(n):
        p.story.person(f"u{i}", 12, traits={"source": "ads" if i < ads else "search"})
        p.story.page(f"u{i}", 12)


def test_a_segment_that_rates_a_feature_low_is_flagged_when_everyone_is_not(client, batches, project):
    p = Product(client, batches, project)
    people(p, 60, ads=20)
    for i in range(60):
        for day in (14, 18):
            p.story.use(f"u{i}", "share", day)
        p.story.answer(f"u{i}", p.csat, {"csat": 1 + i % 3 if i < 20 else 4 + i % 2}, 19)
    p.story.send()
    gaps = flagged(p.report())
    assert ("delivery", "share", "all") not in gaps  # 40 of 60 satisfied: not confidently under 70%
    segment = gaps["delivery", "share", "segment:ads"]
    assert segment["evidence"]["failing"] == ["csat"] and segment["evidence"]["csat"] == 0.0
    assert segment["evidence"]["csatN"] == 20 and segment["affectedPeople"] == 20


def test_a_cohort_much_worse_than_everyone_else_is_flagged_beside_everyone(client, batches, project):
    p = Product(client, batches, project)
    people(p, 60, ads=20)
    for i in range(20, 60, 2):  # half of the others reach aha the next day; nobody from ads does
        p.story.use(f"u{i}", "export", 13)
    p.story.send()
    gaps = flagged(p.report())
    everyone = gaps["stall", "trial", "all"]
    assert (everyone["evidence"]["stalled"], everyone["evidence"]["entered"]) == (40, 60)
    ads = gaps["stall", "trial", "segment:ads"]
    rest = ads["evidence"]["comparedWithRest"]
    assert (rest["measure"], rest["n"], rest["value"]) == ("stalled", 40, 0.5) and rest["z"] > 1.96


def test_a_cohort_as_bad_as_everyone_else_is_not_repeated(client, batches, project):
    p = Product(client, batches, project)
    people(p, 60, ads=20)
    for i in range(0, 60, 3):  # a third of each group reach aha: the same stall everywhere
        p.story.use(f"u{i}", "export", 13)
    p.story.send()
    gaps = flagged(p.report())
    assert ("stall", "trial", "all") in gaps and ("stall", "trial", "segment:ads") not in gaps


def test_a_cohort_under_min_people_never_flags(client, batches, project):
    p = Product(client, batches, project)
    people(p, 40, ads=5)
    for i in range(40):
        for day in (14, 18):
            p.story.use(f"u{i}", "share", day)
        p.story.answer(f"u{i}", p.csat, {"csat": 1 if i < 5 else 5}, 19)
    p.story.send()
    assert not [key for key in flagged(p.report()) if key[2] == "segment:ads"]
