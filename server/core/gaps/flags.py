"""The gap rules of DESIGN.md: each turns measured figures into flags with severity and evidence.

A flag is a plain dict: type, subject, cohort, feature (or None), severity 0–1, evidence, and the SQL
statement of the people it touches (for its account value). A rule flags only when the 95% interval of
its figure lies wholly past the threshold (stats.py); severity is how far past its threshold the point
estimate is, as a share of the room the threshold leaves. The evidence carries every rate with its n
and interval (`intervals`) and the measure that decided the flag (`measure`), which the next window's
trend is tested against.
"""

from sqlalchemy import select

from ...models import Feature, Person
from ..journey.stages import NEXT
from ..surveys import scores
from . import metrics as m
from . import stats

HEADLINES = {
    "communication": "we promised it; they never found it",
    "delivery": "they find it; it doesn't deliver",
    "stall": "the journey breaks at {stage} → {next}",
    "perception": "service trails expectations",
    "value": "expected {expected}, got {realised}: a {gap}-point value gap",
    "knowledge": "we build for needs they don't have",
    "knowledge:goal": "{share} want {goal}; no core feature serves it",
}


def subject_label(subject: str) -> str:
    """A gap's subject in words: "goal:automation" → "goal automation"; a feature, stage or dimension as it is."""
    return subject.replace(":", " ", 1)


def label(key: str) -> str:
    """A gap's key in words, for people: "communication:alerts:segment:ads" → "communication gap on alerts,
    segment ads"; "knowledge:goal:automation:all" → "knowledge gap on goal automation"."""
    kind, _, rest = key.partition(":")
    subject, cohort = rest, "all"
    for marker in (":all", ":stage:", ":segment:"):
        at = rest.rfind(marker)
        if at >= 0:
            subject, cohort = rest[:at], rest[at + 1 :]
            break
    where = "" if cohort == "all" else ", " + cohort.replace(":", " ", 1)
    return f"{kind} gap on {subject_label(subject)}{where}"


def _below(value: float | None, threshold: float) -> float:
    """How far under its threshold a share is, 0 (at it) to 1 (at zero)."""
    if value is None or value >= threshold or threshold <= 0:
        return 0.0
    return (threshold - value) / threshold


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _intervals(*measures: dict) -> dict:
    """{name: {n, low, high}} of the measures, for the evidence."""
    return {x["name"]: {"n": x["n"], "low": round(x["low"], 4), "high": round(x["high"], 4)} for x in measures}


def waiting(kind: str, subject: str, n: int, needed: int, of: str) -> dict:
    """A rule that could not be tested yet: fewer than `needed` people (`of` whom) behind its figure."""
    return {"type": kind, "subject": subject, "n": n, "needed": needed, "of": of}


def feature_flags(
    session,
    project_id,
    window,
    features: list[Feature],
    cohort,
    t: dict,
    csat: dict,
    usage: m.Usage,
    people: frozenset[int],
    short: list | None = None,
) -> list[dict]:
    """Communication and delivery gaps of every feature for one cohort (`people`: its members), counted from
    the window's usage. Rules without enough people to test are added to `short`, when given."""
    counts = m.feature_counts(usage, features, people)
    if cohort.name != "all":  # CSAT is read per cohort too: a segment can rate a feature far lower than everyone
        ids = select(Person.id).where(Person.project_id == project_id, cohort.where)
        csat = scores.csat_by_feature(session, project_id, window.since, window.until, people=ids)
    flags = []
    for f in features:
        c = counts[f.id]
        exposure_e = _share(c["expectedExposed"], c["expected"])
        measure = stats.share("exposure", c["expectedExposed"], c["expected"], "lower")
        if c["expected"] >= t["minPeople"] and stats.confidently_below(measure, t["exposure"]):
            adoption = stats.share("adoption", c["expectedUsers"], c["expected"], "lower")
            evidence = {
                "expected": c["expected"],
                "exposedAmongExpected": c["expectedExposed"],
                "exposure": exposure_e,
                "adoption": _share(c["expectedUsers"], c["expected"]),
                "active": c["active"],
                "threshold": {"exposure": t["exposure"]},
                "intervals": _intervals(measure, adoption),
                "measure": measure,
                "measures": {"exposure": measure},
            }
            flags.append(
                _flag(
                    "communication",
                    f.key,
                    cohort,
                    f,
                    _below(exposure_e, t["exposure"]),
                    evidence,
                    _unexposed_expecters(usage, f, people),
                )
            )
        rated = (csat.get(f.key) or {}).get("n", 0)
        if short is not None:
            if c["expected"] < t["minPeople"]:
                short.append(waiting("communication", f.key, c["expected"], t["minPeople"], "people who expect it"))
            if c["exposed"] < t["minPeople"] and rated < t["minPeople"]:
                short.append(waiting("delivery", f.key, max(c["exposed"], rated), t["minPeople"], "people who saw it"))
        delivery = _delivery(c, csat.get(f.key), t)
        if delivery:
            severity, evidence = delivery
            failing = _failing_delivery(session, project_id, window, f, usage, people, evidence["failing"])
            flags.append(_flag("delivery", f.key, cohort, f, severity, evidence, failing))
    return flags


def _delivery(c: dict, csat: dict | None, t: dict):
    """Adoption and repeat among those who saw it, when enough saw it; CSAT whenever enough rated it."""
    exposure = _share(c["exposed"], c["active"])
    seen = c["exposed"] >= t["minPeople"] and exposure is not None and exposure >= t["exposure"]
    adoption, repeat = _share(c["users"], c["exposed"]), _share(c["repeaters"], c["users"])
    score = csat["score"] if csat and csat["n"] >= t["minPeople"] else None
    measures = {
        "adoption": stats.share("adoption", c["users"], c["exposed"], "lower"),
        "repeat": stats.share("repeat", c["repeaters"], c["users"], "lower"),
    }
    if csat and score is not None:
        measures["csat"] = stats.share("csat", round(score * csat["n"]), csat["n"], "lower")
    confident = {
        "adoption": seen and stats.confidently_below(measures["adoption"], t["adoption"]),
        "repeat": seen and c["users"] >= t["minPeople"] and stats.confidently_below(measures["repeat"], t["repeat"]),
        "csat": "csat" in measures and stats.confidently_below(measures["csat"], t["csat"]),
    }
    shortfalls = {
        "adoption": _below(adoption, t["adoption"]) if confident["adoption"] else 0.0,
        "repeat": _below(repeat, t["repeat"]) if confident["repeat"] else 0.0,
        "csat": _below(score, t["csat"]) if confident["csat"] else 0.0,
    }
    failing = [k for k, v in shortfalls.items() if v > 0]
    if not failing:
        return None
    worst = max(failing, key=lambda k: shortfalls[k])
    evidence = {
        "active": c["active"],
        "exposed": c["exposed"],
        "exposure": exposure,
        "users": c["users"],
        "adoption": adoption,
        "repeaters": c["repeaters"],
        "repeat": repeat,
        "csat": score,
        "csatN": csat["n"] if csat else 0,
        "failing": failing,
        "threshold": {k: t[k] for k in ("exposure", "adoption", "repeat", "csat")},
        "intervals": _intervals(stats.share("exposure", c["exposed"], c["active"], "lower"), *measures.values()),
        "measure": measures[worst],
        "measures": measures,
    }
    return max(shortfalls.values()), evidence


def _unexposed_expecters(usage: m.Usage, f: Feature, people: frozenset[int]) -> set[int]:
    """The active people of the cohort who expect the feature (everyone, for a promised one) and never
    touched it in the window."""
    expecting = usage.active & people if f.promised else usage.expecting[f.id] & people
    return {p for p in expecting if p not in usage.touched[f.id]}


def _failing_delivery(session, project_id, window, f, usage: m.Usage, people: frozenset[int], failing: list[str]):
    """The people failing the delivery conditions that failed: those who saw it and never used it (adoption),
    those who used it on one day only (repeat), those who rated it 1–3 (CSAT)."""
    touched = {p: t for p, t in usage.touched[f.id].items() if p in people}
    found: set[int] = set()
    if "adoption" in failing:
        found |= {p for p, (uses, _) in touched.items() if uses <= 0}
    if "repeat" in failing:
        found |= {p for p, (uses, days) in touched.items() if uses > 0 and days < 2}
    if "csat" in failing:
        found |= (
            set(session.scalars(scores.low_raters(session, project_id, window.since, window.until, f.key))) & people
        )
    return found


def stall_flags(session, project_id, window, cohort, t: dict, short: list | None = None) -> list[dict]:
    """Stages whose cohort mostly did not move on within the allowed days."""
    flags = []
    for stage, c in m.stall_counts(session, project_id, window, t["stallDays"], cohort).items():
        if short is not None and c["entered"] < t["minPeople"]:
            short.append(waiting("stall", stage, c["entered"], t["minPeople"], f"people who entered {stage}"))
        share = _share(c["stalled"], c["entered"])
        measure = stats.share("stalled", c["stalled"], c["entered"], "higher")
        if c["entered"] < t["minPeople"] or share is None or not stats.confidently_above(measure, t["stall"]):
            continue
        severity = (share - t["stall"]) / max(1 - t["stall"], 1e-9)
        evidence = {
            "stage": stage,
            "next": NEXT[stage],
            "entered": c["entered"],
            "stalled": c["stalled"],
            "share": share,
            "days": t["stallDays"][stage],
            "threshold": {"stall": t["stall"]},
            "intervals": _intervals(measure),
            "measure": measure,
            "measures": {"stalled": measure},
        }
        people = m.stalled_people(project_id, window, stage, t["stallDays"][stage], cohort)
        flags.append(_flag("stall", stage, cohort, None, min(severity, 1.0), evidence, people))
    return flags


# Each survey gap: its scores reader, the keys of its "got" and "wanted" sides, and its severity (how far under
# the threshold the gap is, as a share of the scale's room: 6 points of a 7-point scale, or the expected value).
_SURVEY_GAPS = {
    "perception": (scores.perception_gaps, "Perception", "Expectation", lambda d, th: (th - d["gap"]) / 6),
    "value": (
        scores.value_gaps,
        "Realised",
        "Expected",
        lambda d, th: (th - d["gap"]) / max(abs(d["expected"] or 0), 1e-9),
    ),
}


def survey_flags(
    session, project_id, window, features: list[Feature], cohort, people_stmt, t: dict, short: list | None = None
) -> list[dict]:
    """Perception (P − E) and value gaps per dimension, from the answers given in the window."""
    by_key = {f.key: f for f in features}
    flags = []
    for kind, (read, got, wanted, severity_of) in _SURVEY_GAPS.items():
        for d in read(session, project_id, window.since, window.until, people_stmt):
            n = min(d[f"n{wanted}"], d[f"n{got}"])
            if short is not None and n < t["minPeople"]:
                short.append(waiting(kind, d["dimension"], n, t["minPeople"], "respondents"))
            measure = stats.difference_of_means(
                "gap",
                d[got.lower()],
                d.pop(f"var{got}"),
                d[f"n{got}"],
                d[wanted.lower()],
                d.pop(f"var{wanted}"),
                d[f"n{wanted}"],
                "lower",
            )
            if n >= t["minPeople"] and stats.confidently_below(measure, t[kind]):
                d = {**d, "intervals": _intervals(measure), "measure": measure}
                people = _below_expectations(session, project_id, window, kind, d["dimension"], people_stmt)
                severity = min(severity_of(d, t[kind]), 1.0)
                flags.append(_flag(kind, d["dimension"], cohort, by_key.get(d["dimension"]), severity, d, people))
    return flags


def _below_expectations(session, project_id, window, kind: str, dimension, people_stmt):
    """The respondents whose own answers put this dimension under their own expectation."""
    return scores.people_below(session, project_id, window.since, window.until, kind, dimension, people_stmt)


def knowledge_flags(
    session, project_id, window, features: list[Feature], everyone, t: dict, short: list | None = None
) -> list[dict]:
    """Goals many choose that no core feature serves; core features serving goals almost nobody chose."""
    choosers, per_goal = m.goal_shares(session, project_id, window, everyone.where)
    if choosers < t["minPeople"]:
        if short is not None:
            short.append(waiting("knowledge", "goals", choosers, t["minPeople"], "people who chose their goals"))
        return []
    core_goals = {g for f in features if f.core for g in f.goals}
    flags = []
    for goal, n in sorted(per_goal.items()):
        share = n / choosers
        measure = stats.share("share", n, choosers, "higher")
        if goal not in core_goals and stats.confidently_above(measure, t["goalShare"]):
            evidence = {
                "goal": goal,
                "choosers": n,
                "answered": choosers,
                "share": share,
                "servedBy": sorted(f.key for f in features if goal in f.goals),
                "threshold": {"goalShare": t["goalShare"]},
                "intervals": _intervals(measure),
                "measure": measure,
            }
            severity = min((share - t["goalShare"]) / max(1 - t["goalShare"], 1e-9) + 0.1, 1.0)
            flags.append(
                _flag(
                    "knowledge",
                    f"goal:{goal}",
                    everyone,
                    None,
                    severity,
                    evidence,
                    m.goal_choosers(project_id, window, [goal], everyone.where),
                )
            )
    for f in features:
        if not f.core or not f.goals:
            continue
        chose = min(sum(per_goal.get(g, 0) for g in set(f.goals)), choosers)
        share = chose / choosers
        measure = stats.share("share", chose, choosers, "lower")
        if stats.confidently_below(measure, t["rareGoalShare"]):
            evidence = {
                "feature": f.key,
                "goals": f.goals,
                "share": share,
                "answered": choosers,
                "threshold": {"rareGoalShare": t["rareGoalShare"]},
                "intervals": _intervals(measure),
                "measure": measure,
            }
            people = m.active_people(project_id, window, everyone.where)
            flags.append(
                _flag("knowledge", f"feature:{f.key}", everyone, f, _below(share, t["rareGoalShare"]), evidence, people)
            )
    return flags


def _flag(kind, subject, cohort, feature, severity, evidence, people) -> dict:
    return {
        "type": kind,
        "subject": subject,
        "cohort": cohort.name,
        "feature": feature,
        "severity": round(float(severity), 4),
        "evidence": evidence,
        "people": people,
    }
