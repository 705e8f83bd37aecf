"""The statistics of the gap engine (core/gaps/stats.py): intervals, confident flags, significant trends."""

import random

import pytest

from gapwise.core.gaps import stats


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [(0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (81, 263, 0.2553, 0.3662), (10, 10, 0.7225, 1.0)],
)
def test_wilson_intervals_match_published_values(k, n, low, high):
    got = stats.wilson(k, n)
    assert got == (pytest.approx(low, abs=1e-4), pytest.approx(high, abs=1e-4))


def test_an_interval_with_no_one_behind_it_says_nothing():
    assert stats.wilson(0, 0) == (0.0, 1.0)
    assert not stats.confidently_below(stats.share("exposure", 0, 0, "lower"), 0.5)


def test_a_flag_needs_the_whole_interval_past_the_threshold():
    # 4 of 10 is under 50% as a point, but 50% is well inside its interval; 40 of 100 is not.
    assert not stats.confidently_below(stats.share("exposure", 4, 10, "lower"), 0.5)
    assert stats.confidently_below(stats.share("exposure", 40, 100, "lower"), 0.5)
    assert stats.confidently_above(stats.share("stalled", 70, 100, "higher"), 0.5)
    assert not stats.confidently_above(stats.share("stalled", 6, 10, "higher"), 0.5)


def test_a_small_negative_difference_of_means_from_few_answers_is_not_confident():
    # P − E = −0.06 from 11 answers a side with a spread of a point and a half: the interval spans 0.
    small = stats.difference_of_means("gap", 5.0, 2.25, 11, 5.06, 2.25, 11, "lower")
    assert small["value"] == pytest.approx(-0.06) and small["low"] < 0 < small["high"]
    assert not stats.confidently_below(small, 0.0)
    large = stats.difference_of_means("gap", 3.5, 1.0, 30, 5.5, 1.0, 30, "lower")
    assert stats.confidently_below(large, 0.0)


def test_the_t_quantile_is_never_narrower_than_the_true_one():
    assert stats.t975(1) == 12.706 and stats.t975(11) == 2.228 and stats.t975(500) == pytest.approx(1.96, abs=1e-3)


def test_an_unchanged_rate_reads_steady_across_windows_of_fresh_noise():
    """The same true rate (30%) measured in 200 pairs of windows of 150 people: steady in about 95%."""
    rng = random.Random(7)
    trends = []
    for _ in range(200):
        before, now = (sum(rng.random() < 0.3 for _ in range(150)) for _ in range(2))
        trends.append(
            stats.change(stats.share("adoption", before, 150, "lower"), stats.share("adoption", now, 150, "lower"))
        )
    assert trends.count("steady") >= 180


def test_a_real_change_reads_widening_or_closing_by_which_way_is_worse():
    lower_is_worse = stats.share("adoption", 60, 150, "lower")
    assert stats.change(lower_is_worse, stats.share("adoption", 30, 150, "lower")) == "widening"
    assert stats.change(lower_is_worse, stats.share("adoption", 95, 150, "lower")) == "closing"
    higher_is_worse = stats.share("stalled", 60, 150, "higher")
    assert stats.change(higher_is_worse, stats.share("stalled", 95, 150, "higher")) == "widening"
    assert stats.change(None, lower_is_worse) == "steady"  # nothing to compare with
    assert stats.change(lower_is_worse, stats.share("repeat", 10, 150, "lower")) == "steady"  # another measure
