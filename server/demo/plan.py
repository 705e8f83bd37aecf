"""The demo data's plan: a seeded simulation of an analytics SaaS whose gaps are planted on purpose.

`simulation.generate` turns this plan into messages. Each planted truth is a constant below, with the flag the
gap report should raise from it (PLANTED_GAPS) and the feature it must leave alone (HEALTHY_FEATURE).
"""

import uuid

__all__ = [
    "PEOPLE",
    "DAYS",
    "SEED",
    "ACCOUNTS",
    "SURVEYS",
    "EXPORT_FINDERS",
    "EXPORT_USE_PER_DAY",
    "CSAT_EXPORT",
    "SPEED_EXPECTED",
    "SPEED_PERCEIVED",
    "ALERTS_FINDERS",
    "ALERTS_USE_PER_DAY",
    "SHARE_SEEN",
    "SHARE_ONCE",
    "SHARE_REPEAT",
    "CSAT_SHARE",
    "ADS_SHARE",
    "ADS_AHA_FIRST_WEEK",
    "ADS_AHA_LATER",
    "OTHERS_AHA",
    "GOALS",
    "INTEGRATIONS_FINDERS",
    "RELIABILITY_EXPECTED",
    "RELIABILITY_PERCEIVED",
    "TIME_SAVED_EXPECTED",
    "TIME_SAVED_REALISED",
    "WELCOME_ANSWERED",
    "WELCOME_DISMISSED",
    "SURVEY_ANSWERED",
    "NPS",
    "COMMENTS",
    "PLANTED_GAPS",
    "HEALTHY_FEATURE",
    "CONSEQUENCES",
    "message_id",
]

PEOPLE, DAYS, SEED = 300, 60, 7
ACCOUNTS = 40
# The demo's surveys as the simulation names them (demo.seed maps them to the project's survey ids).
SURVEYS = ("welcome", "nps", "csat_share", "csat_export", "reliability", "value")

# --- Planted truths: shares are of people, per person and for the whole of their life in the app ----------
# Healthy (no flag): export, the core aha feature, sits on the reports page: almost everyone finds it,
# most people use it on many days, its CSAT is mostly 4-5 and reports are faster than people expected.
EXPORT_FINDERS = 0.95
EXPORT_USE_PER_DAY = 0.7  # once past aha, the chance an active day includes an export
CSAT_EXPORT = {5: 50, 4: 35, 3: 9, 2: 4, 1: 2}
SPEED_EXPECTED, SPEED_PERCEIVED = 5.0, 5.9  # 7-point, dimension "export": P - E > 0
# Communication gap: alerts is promised (everyone expects it) but hidden behind a menu: few find it,
# and those who do use it again and again.
ALERTS_FINDERS = 0.18
ALERTS_USE_PER_DAY = 0.5
# Delivery gap: share is on the dashboard: most see it, many try it once, few come back, CSAT is mostly 1-3.
SHARE_SEEN = 0.80
SHARE_ONCE, SHARE_REPEAT = 0.60, 0.08  # of those who see it
CSAT_SHARE = {1: 25, 2: 30, 3: 25, 4: 12, 5: 8}
# Stage stall: signups from ads (trait source = "ads", segment `ads-trials`) rarely export in their first
# week (a stall strong enough to be flagged with confidence even in a small demo); everyone else exports
# within a day or two.
ADS_SHARE = 0.25
ADS_AHA_FIRST_WEEK, ADS_AHA_LATER = 0.08, 0.30
OTHERS_AHA = 0.95
# Knowledge gap: "automation" is a popular goal but only the non-core integrations feature serves it;
# the people who chose it do find integrations (so no communication gap on it).
GOALS = {"reporting": 0.65, "collaboration": 0.35, "monitoring": 0.30, "automation": 0.40}
INTEGRATIONS_FINDERS = {True: 0.85, False: 0.08}  # by whether the person chose "automation"
# Perception gap (dimension "reliability") and value gap (dimension "time_saved"): 7-point means.
RELIABILITY_EXPECTED, RELIABILITY_PERCEIVED = 6.2, 4.3
TIME_SAVED_EXPECTED, TIME_SAVED_REALISED = 5.6, 3.7
# Surveys: most people answer the welcome screen on day one; the rest are dismissed (response rate < 1).
WELCOME_ANSWERED, WELCOME_DISMISSED = 0.85, 0.10
SURVEY_ANSWERED = 0.6
NPS = {10: 18, 9: 22, 8: 20, 7: 14, 6: 9, 5: 6, 4: 4, 3: 3, 2: 2, 1: 1, 0: 1}
# The NPS follow-ups people write, by group: detractors name the planted gaps (hidden alerts, clumsy sharing,
# dashboards that fail), passives want automation, promoters praise exports and reports.
COMMENTS = {
    "detractor": [
        "I can't find the alerts anywhere, you promised them on the pricing page",
        "Where are the alerts? Couldn't find a way to set one up",
        "Alerts seem to be hidden somewhere in a menu, I gave up looking",
        "Sharing a report with my team is clunky and the link often breaks",
        "Share is confusing, my colleagues never receive the shared report",
        "The share button does nothing useful, we email screenshots instead",
        "Dashboards fail to load half the time, not reliable",
        "Too many errors, the dashboard keeps crashing on Monday mornings",
    ],
    "passive": [
        "Would love more integrations to automate the weekly report",
        "Needs automation: a Slack integration would make it a 10",
        "If I could automate exports to our warehouse with an integration",
        "Good, but the pricing is a bit expensive for a small team",
        "Fine overall, pricing feels expensive for what we use",
    ],
    "promoter": [
        "Exports are fast and the CSV is exactly what finance needs",
        "Reports are what we need, the PDF export is great",
        "Love the reports, exporting to CSV saves me hours",
        "Great reports and quick exports, the team relies on it",
        "The reports are clear and the export just works",
    ],
}

# What the gap report should say about this data: (type, subject, cohort).
PLANTED_GAPS = [
    ("communication", "alerts", "all"),
    ("delivery", "share", "all"),
    ("stall", "trial", "segment:ads-trials"),
    ("knowledge", "goal:automation", "all"),
    ("perception", "reliability", "all"),
    ("value", "time_saved", "all"),
]
HEALTHY_FEATURE = "export"
# A consequence rather than a plant: activation needs 3 core features and alerts is hidden, so most people
# who reach aha never activate; the report may flag that stall (stage "aha") for any cohort.
CONSEQUENCES = [("stall", "aha")]

PLANS = [("free", 25, 1.0), ("starter", 35, 1.5), ("pro", 30, 2.5), ("enterprise", 10, 4.0)]
NAMES = [
    "Acme",
    "Globex",
    "Initech",
    "Hooli",
    "Umbrella",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Vandelay",
    "Aperture",
    "Oscorp",
    "Monarch",
    "Gekko",
    "Nakatomi",
    "Virtucon",
    "Zorg",
    "Duff",
]


def message_id(key: str, k: int | str) -> str:
    """A stable messageId: the same person's k-th message (or named message) in every run."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{key}/{k}"))
