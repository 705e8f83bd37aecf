"""Numbers, durations and dates read the same everywhere they are written for people."""

from datetime import date, datetime

import pytest

from gapwise import formats


@pytest.mark.parametrize(
    "share, text", [(0.375, "37.5%"), (0.38, "38%"), (0.0, "0%"), (1.0, "100%"), (0.0004, "0%"), (None, "n/a")]
)
def test_a_share_is_a_percent_with_one_decimal_dropped_when_zero(share, text):
    assert formats.percent(share) == text


@pytest.mark.parametrize("hours, text", [(5.25, "5.2 hours"), (31.4, "31 hours"), (50.4, "2.1 days"), (None, "n/a")])
def test_a_duration_is_hours_under_two_days_else_days(hours, text):
    assert formats.duration(hours) == text


def test_a_span_names_the_start_year_only_when_it_differs():
    assert formats.span(date(2026, 3, 3), date(2026, 4, 1)) == "March 3 to April 1, 2026"
    assert formats.span(date(2025, 12, 20), date(2026, 1, 18)) == "December 20, 2025 to January 18, 2026"
    assert formats.moment(datetime(2026, 3, 3, 14, 5)) == "March 3, 2026 at 14:05"
    assert formats.count(12345) == "12,345"


def test_the_dashboard_writes_figures_with_these_filters(app):
    rendered = app.jinja_env.from_string("{{ 0.375|percent }} {{ 50.4|duration }} {{ 12345|count }}").render()
    assert rendered == "37.5% 2.1 days 12,345"
