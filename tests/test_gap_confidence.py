"""Honest statistics end to end, through /v1/batch: a small, noisy difference is not a gap, and a gap whose
true size has not changed reads steady across windows of fresh noise."""

import random
from datetime import timedelta

from tests.test_gaps import AT, Product


def flagged(report: dict) -> dict:
    return {(g["type"], g["subject"], g["cohort"]): g for g in report["gaps"] if g["flagged"]}


def test_eleven_answers_a_hair_under_expectations_are_not_a_perception_gap(client, batches, project):
    """P − E = −0.09 from 11 answers with an ordinary spread: the interval spans 0, so no flag and no webhook."""
    p = Product(client, batches, project)
    expected = [6, 4, 7, 5, 6, 3, 7, 5, 6, 4, 6]
    perceived = [5, 5, 6, 6, 5, 4, 7, 4, 6, 5, 5]
    for i, (e, got) in enumerate(zip(expected, perceived, strict=True)):
        p.story.person(f"r{i}", 15)
        p.story.answer(f"r{i}", p.servqual, {"e": e, "p": got}, 20)
    p.story.send()
    assert sum(perceived) - sum(expected) == -1  # a point estimate under the threshold of 0
    report = p.report()
    assert ("perception", "reliability", "all") not in flagged(report)


def test_a_clear_perception_gap_from_as_few_answers_is_flagged_with_its_interval(client, batches, project):
    p = Product(client, batches, project)
    for i in range(11):
        p.story.person(f"r{i}", 15)
        p.story.answer(f"r{i}", p.servqual, {"e": 6 + i % 2, "p": 3 + i % 2}, 20)
    p.story.send()
    gap = flagged(p.report())["perception", "reliability", "all"]
    interval = gap["evidence"]["intervals"]["gap"]
    assert interval["n"] == 11 and interval["low"] < gap["evidence"]["gap"] < interval["high"] < 0
    assert gap["evidence"]["measure"]["name"] == "gap"


def test_an_unchanged_gap_reads_steady_across_windows_of_fresh_noise(client, batches, project):
    """The same 100 people see `share` and 10% of them use it, in two windows drawn afresh: the gap is
    flagged in both, its severity moves with the noise, and the trend says steady."""
    p = Product(client, batches, project)
    rng = random.Random(20261203)
    for i in range(100):
        p.story.person(f"s{i}", 10 + i % 3)
    for window_start in (12, 42):
        for i in range(100):
            day = window_start + i % 10
            p.story.see(f"s{i}", "share", day)
            if rng.random() < 0.10:  # those who use it come back: adoption alone falls short
                p.story.use(f"s{i}", "share", day, hours=2)
                p.story.use(f"s{i}", "share", day + 3, hours=2)
    p.story.send()
    first = flagged(p.report())["delivery", "share", "all"]
    second = flagged(p.report(AT + timedelta(days=30)))["delivery", "share", "all"]
    assert first["evidence"]["users"] != second["evidence"]["users"]  # fresh noise moved the figure
    assert abs(first["severity"] - second["severity"]) > 0.01  # the old ±0.01 band would have called a trend
    assert second["trend"] == "steady"
