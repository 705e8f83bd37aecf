"""The gap report in words for the dashboard: evidence with its thresholds, trends, cohorts, and where to look next.

Everything here reads the entries of `core.gaps.report.report` and returns text or URL arguments; templates
print them escaped. Nothing is decided here that the gap engine has not already decided.
"""

from ...core.gaps import flags as gap_flags
from ...formats import percent

# A symbol for the eye and the word for everyone (the symbol is hidden from screen readers).
TRENDS = {
    "new": ("✚", "new this window"),
    "widening": ("▲", "widening"),
    "steady": ("▶", "steady"),
    "closing": ("▼", "closing"),
    "closed": ("✓", "closed"),
}
STATUSES = (
    ("open", "Open"),
    ("acknowledged", "Acknowledged"),
    ("in_progress", "In progress"),
    ("resolved", "Resolved"),
)


def describe(gap: dict, rank: int | None, thresholds: dict, segment_names: dict[str, str]) -> dict:
    """A report entry with what its page shows: rank, trend, cohort label, evidence lines, links."""
    symbol, word = TRENDS[gap["trend"]]
    stage, segment = cohort_filter(gap)
    return {
        **gap,
        "rank": rank,
        "trendSymbol": symbol,
        "trendWord": word,
        "trendDetail": trend_detail(gap),
        "cohortLabel": cohort_label(gap["cohort"], segment_names),
        "subjectLabel": gap_flags.subject_label(gap["subject"]),
        "evidenceLines": evidence_lines(gap, thresholds) + interval_lines(gap) if gap["flagged"] else [],
        "affectedLine": affected_line(gap) if gap["flagged"] else None,
        "peopleArgs": {k: v for k, v in (("stage", stage), ("segment", segment)) if v},
        # The people it touches, exactly as the evaluation counted them (GET /api/v1/people?gap=<id>).
        "affectedArgs": {"gap": gap["id"]} if gap["flagged"] else None,
        "featureKey": feature_key(gap),
    }


def trend_detail(gap: dict) -> str:
    """The severity before and now, as words."""
    before, now = gap["previousSeverity"], gap["severity"]
    if gap["trend"] == "closed":
        return f"flagged in the previous window (severity {before:.2f}), not in this one"
    if before is None:
        return "not flagged in the previous window"
    return f"severity {before:.2f} in the previous window, {now:.2f} now"


def cohort_label(cohort: str, segment_names: dict[str, str]) -> str:
    """'all' → 'Everyone'; 'stage:aha' → 'Stage aha'; 'segment:ads' → 'Segment “Trials from ads”'."""
    if cohort == "all":
        return "Everyone"
    kind, _, name = cohort.partition(":")
    if kind == "stage":
        return f"People in stage {name} when the window began"
    return f"Segment “{segment_names.get(name, name)}”"


def cohort_filter(gap: dict) -> tuple[str | None, str | None]:
    """The people page's (stage, segment) filter for a gap's cohort; a stall also filters on its stage."""
    kind, _, name = gap["cohort"].partition(":")
    stage = name if kind == "stage" else None
    if gap["type"] == "stall":
        stage = gap["subject"]
    return stage, name if kind == "segment" else None


def feature_key(gap: dict) -> str | None:
    """The feature a gap is about, if any."""
    if gap.get("feature"):
        return gap["feature"]
    if gap["type"] == "knowledge" and gap["subject"].startswith("feature:"):
        return gap["subject"].partition(":")[2]
    if gap["type"] in ("perception", "value") and (gap.get("evidence") or {}).get("feature"):
        return gap["subject"]
    return None


def affected_line(gap: dict) -> str:
    """Who the gap touches and how its priority is made."""
    at_risk = (gap.get("evidence") or {}).get("atRisk") or {}
    estimate = ""
    if at_risk.get("withoutMrr"):
        estimate = (
            f" + {at_risk['withoutMrr']:,} people without MRR at {at_risk['personValue']:,.2f} each "
            f"({at_risk['estimated']:,.0f})"
        )
    return (
        f"{gap['affectedPeople']:,} people in {gap['affectedAccounts']:,} accounts. "
        f"Value at risk = MRR {gap['mrr']:,.0f}{estimate} = {gap['value']:,.0f}. "
        f"Priority = value × severity ÷ effort = {gap['value']:,.0f} × {gap['severity']:.2f} ÷ {gap['effort']} "
        f"= {gap['priority']:,.0f}."
    )


_INTERVAL_NAMES = {"gap": "the gap", "share": "the share", "stalled": "the stalled share", "csat": "CSAT"}


def interval_lines(gap: dict) -> list[str]:
    """The 95% interval and n of each rate behind a flag (shares in percent, P − E and value gaps in points)."""
    lines = []
    for name, x in sorted((gap.get("evidence") or {}).get("intervals", {}).items()):
        if gap["type"] == "perception":
            span = f"{x['low']:+.2f} to {x['high']:+.2f}"
        elif gap["type"] == "value":
            span = f"{x['low']:+.1f} to {x['high']:+.1f} points"
        else:
            span = f"{percent(x['low'])} to {percent(x['high'])}"
        lines.append(f"95% interval of {_INTERVAL_NAMES.get(name, name)}: {span} (n = {x['n']:,}).")
    rest = (gap.get("evidence") or {}).get("comparedWithRest")
    if rest:
        mine = gap["evidence"]["measure"]["value"]
        lines.append(
            f"Significantly worse than everyone else: {_INTERVAL_NAMES.get(rest['measure'], rest['measure'])} "
            f"{percent(mine)} here against {percent(rest['value'])} for the other {rest['n']:,} (z = {rest['z']:+.2f})."
        )
    return lines


def evidence_lines(gap: dict, t: dict) -> list[str]:
    """The numbers behind a flag, with the thresholds they were measured against."""
    e, kind = gap["evidence"], gap["type"]
    th = e.get("threshold", {})
    if kind == "communication":
        return [
            f"{e['expected']:,} people expected it (they chose a goal it serves, or it is promised); "
            f"{e['exposedAmongExpected']:,} of them saw it: exposure {percent(e['exposure'])}, "
            f"under the {percent(th['exposure'])} threshold.",
            f"Adoption among them: {percent(e['adoption'])}. Active people in the window: {e['active']:,}.",
        ]
    if kind == "delivery":
        failing = set(e["failing"])

        def mark(name):
            return (
                f" — under the {percent(th[name])} threshold"
                if name in failing
                else f" (threshold {percent(th[name])})"
            )

        lines = [
            f"{e['exposed']:,} of {e['active']:,} active people saw it: exposure {percent(e['exposure'])}.",
            f"{e['users']:,} used it: adoption {percent(e['adoption'])} of those who saw it{mark('adoption')}.",
            f"{e['repeaters']:,} used it on two days or more: repeat {percent(e['repeat'])}{mark('repeat')}.",
        ]
        if e["csat"] is not None:
            lines.append(f"CSAT {percent(e['csat'])} from {e['csatN']:,} answers{mark('csat')}.")
        else:
            lines.append(f"CSAT: not enough answers to count ({e['csatN']:,}).")
        return lines
    if kind == "stall":
        return [
            f"{e['stalled']:,} of the {e['entered']:,} people who reached {e['stage']} ({percent(e['share'])}) "
            f"had not reached {e['next']} within {e['days']} days; the threshold is {percent(th['stall'])}."
        ]
    if kind == "perception":
        return [
            f"Mean perception {e['perception']:.2f} against mean expectation {e['expectation']:.2f} on a "
            f"7-point scale: P − E = {e['gap']:+.2f}, under the threshold of {t['perception']:+.2f}.",
            f"From {e['nExpectation']:,} expectation and {e['nPerception']:,} perception answers.",
        ]
    if kind == "value":
        return [
            f"Expected value {e['expected']:.1f}, realised {e['realised']:.1f} on a 0–100 scale: "
            f"{e['gap']:+.1f} points, under the threshold of {t['value']:+g}.",
            f"From {e['nExpected']:,} and {e['nRealised']:,} answers.",
        ]
    if kind == "knowledge" and "goal" in e:
        served = ", ".join(e["servedBy"]) + " (none of them core)" if e["servedBy"] else "no feature"
        return [
            f"{e['choosers']:,} of the {e['answered']:,} people who answered the welcome screen "
            f"({percent(e['share'])}) chose the goal “{e['goal']}”; the threshold is {percent(th['goalShare'])}.",
            f"Served by {served}.",
        ]
    if kind == "knowledge":
        return [
            f"Core feature {e['feature']} serves {', '.join(e['goals'])}, chosen by {percent(e['share'])} of the "
            f"{e['answered']:,} people who answered the welcome screen, under the threshold of "
            f"{percent(th['rareGoalShare'])}."
        ]
    return [f"{name}: {value}" for name, value in sorted(e.items())]
