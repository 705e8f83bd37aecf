"""Chart.js configurations for the overview and the gap report, built from the services' answers.

Each is plain JSON, embedded in the page as a data block and drawn by static/ui/charts.js. Charts never
rely on colour alone: bars and points carry text labels, series differ by point style and dash, and the
same numbers are printed in a table beside every chart.
"""

from datetime import date

from ...formats import percent

INK, ACCENT, RED, GREEN, AMBER, PURPLE, GREY = (
    "#14171c",
    "#1f5fbf",
    "#a4161a",
    "#1b6e3a",
    "#8a5a00",
    "#6a3d9a",
    "#5a6270",
)
# Gap types on the impact × effort matrix: a point style and a colour each, named in the legend.
GAP_STYLES = {
    "communication": ("circle", ACCENT),
    "delivery": ("triangle", RED),
    "stall": ("rect", AMBER),
    "perception": ("rectRot", PURPLE),
    "value": ("star", GREEN),
    "knowledge": ("crossRot", INK),
}


def week_label(start: str) -> str:
    """'2026-09-21' → 'Sep 21'."""
    return date.fromisoformat(start).strftime("%b %-d")


def funnel_chart(funnel: dict) -> dict:
    """Horizontal bars: people who reached each stage, labelled with the count and the conversion."""
    stages = funnel["stages"]
    labels = [
        f"{s['reached']}" + (f" ({percent(s['conversion'])})" if s.get("conversion") is not None else "")
        for s in stages
    ]
    return {
        "type": "bar",
        "data": {
            "labels": [s["stage"].title() for s in stages],
            "datasets": [
                {
                    "label": "People who reached the stage",
                    "data": [s["reached"] for s in stages],
                    "backgroundColor": ACCENT,
                    "borderColor": INK,
                    "borderWidth": 1,
                    "gwLabels": labels,
                    "gwTooltip": [_funnel_text(s) for s in stages],
                }
            ],
        },
        "options": {
            "indexAxis": "y",
            "plugins": {"legend": {"display": False}},
            "scales": {"x": {"beginAtZero": True, "grace": "30%", "title": {"display": True, "text": "people"}}},
        },
    }


def _funnel_text(stage: dict) -> str:
    conversion = stage.get("conversion")
    return f"{stage['reached']} people reached {stage['stage']}" + (
        f", {percent(conversion)} of the stage before" if conversion is not None else ""
    )


def nps_chart(periods: list[dict]) -> dict:
    """NPS per week (−100 to 100), each point with its answer count and margin of error in the tooltip."""
    scores = [p["nps"]["score"] for p in periods]
    return {
        "type": "line",
        "data": {
            "labels": [week_label(p["start"]) for p in periods],
            "datasets": [
                {
                    "label": "NPS",
                    "data": [None if s is None else round(s, 1) for s in scores],
                    "borderColor": ACCENT,
                    "backgroundColor": ACCENT,
                    "pointStyle": "circle",
                    "pointRadius": 4,
                    "spanGaps": False,
                    "gwLabels": [None if s is None else f"{s:.0f}" for s in scores],
                    "gwTooltip": [_nps_text(p) for p in periods],
                }
            ],
        },
        "options": {
            "plugins": {"legend": {"display": False}},
            "scales": {"y": {"min": -100, "max": 100, "title": {"display": True, "text": "NPS"}}},
        },
    }


def _nps_text(period: dict) -> str:
    nps = period["nps"]
    if nps["score"] is None:
        return f"Week of {period['start']}: no NPS answers"
    margin = f" ± {nps['marginOfError']:.0f}" if nps["marginOfError"] is not None else ""
    return f"Week of {period['start']}: NPS {nps['score']:.0f}{margin} from {nps['n']} answers"


def rates_chart(periods: list[dict]) -> dict:
    """CSAT and response rate per week, in percent: solid line with circles, dashed line with triangles."""

    def series(label, values, texts, color, style, dash):
        return {
            "label": label,
            "data": [None if v is None else round(v * 100, 1) for v in values],
            "borderColor": color,
            "backgroundColor": color,
            "pointStyle": style,
            "pointRadius": 5,
            "borderDash": dash,
            "spanGaps": False,
            "gwTooltip": texts,
        }

    csat = [p["csat"]["score"] for p in periods]
    rate = [p["responseRate"]["rate"] for p in periods]
    return {
        "type": "line",
        "data": {
            "labels": [week_label(p["start"]) for p in periods],
            "datasets": [
                series(
                    "CSAT (share of 4–5)",
                    csat,
                    [f"CSAT {percent(p['csat']['score'])} of {p['csat']['n']} answers" for p in periods],
                    GREEN,
                    "circle",
                    [],
                ),
                series(
                    "Response rate",
                    rate,
                    [
                        f"Response rate {percent(p['responseRate']['rate'])}: {p['responseRate']['answered']} of "
                        f"{p['responseRate']['shown']} shown"
                        for p in periods
                    ],
                    RED,
                    "triangle",
                    [6, 4],
                ),
            ],
        },
        "options": {
            "plugins": {"legend": {"labels": {"usePointStyle": True}}},
            "scales": {
                "y": {"min": 0, "max": 100, "ticks": {"gwSuffix": "%"}, "title": {"display": True, "text": "percent"}}
            },
        },
    }


def matrix_chart(gaps: list[dict]) -> dict:
    """Impact × effort: x = effort (1 easy – 5 hard), y = affected value × severity; one series per gap type."""
    datasets = []
    for kind, (style, color) in GAP_STYLES.items():
        mine = [g for g in gaps if g["type"] == kind and g["flagged"]]
        if not mine:
            continue
        datasets.append(
            {
                "label": kind,
                "pointStyle": style,
                "pointRadius": 8,
                "pointHoverRadius": 10,
                "backgroundColor": color,
                "borderColor": INK,
                "borderWidth": 1,
                "data": [{"x": g["effort"], "y": round(g["value"] * g["severity"], 1)} for g in mine],
                "gwLabels": [f"#{g['rank']} {g['subjectLabel']}"[:28] for g in mine],
                "gwTooltip": [
                    f"#{g['rank']} {g['type']} · {g['subjectLabel']} · {g['cohortLabel']}: "
                    f"effort {g['effort']}, "
                    f"value × severity {g['value'] * g['severity']:,.0f}, priority {g['priority']:,.0f}"
                    for g in mine
                ],
            }
        )
    return {
        "type": "scatter",
        "data": {"datasets": datasets},
        "options": {
            "plugins": {"legend": {"labels": {"usePointStyle": True}}},
            "scales": {
                "x": {
                    "min": 0,
                    "max": 6,
                    "ticks": {"stepSize": 1},
                    "title": {"display": True, "text": "effort (1 easy – 5 hard)"},
                },
                "y": {"beginAtZero": True, "grace": "10%", "title": {"display": True, "text": "value × severity"}},
            },
        },
    }
