"""How Gapwise writes numbers, durations and dates for people, the same on every page, in the CLI and in
gap headlines: counts with thousands separators; shares as percentages with one decimal, dropped when it
is zero ("38%", "37.5%"); durations in hours under two days, else days; dates in words, with the year
(a span names the year of its start only when it differs from its end's)."""

from datetime import date, datetime


def percent(share: float | None) -> str:
    """0.375 → "37.5%", 0.38 → "38%"; "n/a" when there is none."""
    if share is None:
        return "n/a"
    text = f"{share * 100:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def count(n: int | float) -> str:
    """12345 → "12,345"."""
    return f"{n:,.0f}"


def duration(hours: float | None) -> str:
    """A duration in words: hours under two days ("5.2 hours", "31 hours"), else days ("3.1 days")."""
    if hours is None:
        return "n/a"
    if hours < 10:
        return f"{hours:.1f} hours"
    return f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.1f} days"


def day(d: date | datetime) -> str:
    """ "March 3, 2026"."""
    return d.strftime("%B %-d, %Y")


def moment(at: datetime) -> str:
    """ "March 3, 2026 at 14:05" (the caller says which time zone)."""
    return at.strftime("%B %-d, %Y at %H:%M")


def span(start: date | datetime, end: date | datetime) -> str:
    """ "March 3 to April 1, 2026"; "December 20, 2025 to January 18, 2026" across a new year."""
    first = start.strftime("%B %-d") if start.year == end.year else day(start)
    return f"{first} to {day(end)}"


FILTERS = {"percent": percent, "count": count, "duration": duration, "day": day, "moment": moment}
