"""Did the nudge close its gap? Treatment against holdout, intention to treat.

Everyone assigned counts in their arm, shown the nudge or not. A person converts when, on or after the day
they were assigned, they do what the nudge's measure asks: see the feature (exposure), use it (adoption),
use it on two days or more (repeat), or send the event. Each arm has its n, conversions and rate with a 95%
Wilson interval; the lift (treatment − holdout) has Newcombe's 95% interval built from the two Wilson ones.

The verdict is a fixed-horizon test, so looking at the results every day does not raise the false alarm
rate: the sample each arm needs is computed from the baseline rate (the holdout's, once 30 people are in it;
before that the gap's own measure, or 50%) and the smallest lift worth detecting (`minEffect`), at the
verdict's confidence (96%, see Z_VERDICT) and 80% power. Until both arms have it the verdict is `collecting`
(with about how many more people, and days at the current pace); then it is decided once on the first that
many people of each arm:
`works` when the lift's 96% interval lies wholly above 0, `harms` wholly below, else `no effect`. A change of
verdict sends the `nudge.verdict` webhook.
"""

import math
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db import begin_write
from ...models import Event, Feature, FeatureUsage, GapSnapshot, Nudge, NudgeAssignment
from ...models.base import utcnow
from ..gaps import stats
from ..gaps.thresholds import gap_thresholds
from ..storage.sql import day_number, member_of
from ..webhooks import hooks as webhooks
from .assignment import HOLDOUT, TREATMENT
from .definitions import get_nudge

Z_POWER = 0.841621  # 80% power
# The verdict's interval is 96%, not 95%: with the discrete counts of a few hundred people a 95% interval
# raises a false alarm in 5–5.5% of runs where nothing changed; at 96% it stays under 5% (tests hold it).
Z_VERDICT = 2.053749
BASELINE_PEOPLE = 30  # holdout people before their own rate is the baseline


def required_per_arm(baseline: float, min_effect: float) -> int:
    """People per arm to detect a lift of `min_effect` over `baseline` (two-sided at the verdict's 96%,
    power 80%)."""
    p0 = min(max(baseline, 0.01), 0.99)
    p1 = min(max(p0 + min_effect, 0.01), 0.99)
    variance = p0 * (1 - p0) + p1 * (1 - p1)
    return max(10, math.ceil((Z_VERDICT + Z_POWER) ** 2 * variance / (p1 - p0) ** 2))


def lift(k1: int, n1: int, k0: int, n0: int, z: float = stats.Z95) -> dict:
    """Treatment rate − holdout rate with Newcombe's interval (method 10, from the Wilson intervals), 95%
    unless `z` says otherwise."""
    if not n1 or not n0:
        return {"value": None, "low": -1.0, "high": 1.0}
    p1, p0 = k1 / n1, k0 / n0
    (l1, u1), (l0, u0) = stats.wilson(k1, n1, z), stats.wilson(k0, n0, z)
    d = p1 - p0
    return {
        "value": round(d, 4),
        "low": round(d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2), 4),
        "high": round(d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2), 4),
    }


def decide(t: int, h: int, n: int) -> str:
    """The verdict on `n` people an arm of whom `t` (treatment) and `h` (holdout) converted."""
    return verdict_of(lift(t, n, h, n, Z_VERDICT))


def verdict_of(interval: dict) -> str:
    if interval["low"] > 0:
        return "works"
    if interval["high"] < 0:
        return "harms"
    return "no effect"


def record_verdicts(session: Session, project_id: int, now: datetime) -> None:
    """Measure every running nudge of the project; store each verdict, announcing a change (the scheduler)."""
    for nudge_id in session.scalars(
        select(Nudge.id).where(Nudge.project_id == project_id, Nudge.status == "active").order_by(Nudge.id)
    ):
        results(session, project_id, nudge_id, now, record=True)


def results(
    session: Session, project_id: int, nudge_id: int, now: datetime | None = None, record: bool = False
) -> dict:
    """The nudge's results now. With `record`, its verdict is stored and a change of it announced (the
    scheduler does that; reading the results writes nothing)."""
    nudge = get_nudge(session, project_id, nudge_id)
    now = now or utcnow()
    assigned = session.execute(
        select(NudgeAssignment.person_id, NudgeAssignment.arm, NudgeAssignment.assigned_at)
        .where(NudgeAssignment.project_id == project_id, NudgeAssignment.nudge_id == nudge.id)
        .order_by(NudgeAssignment.assigned_at, NudgeAssignment.id)
    ).all()
    converted = _converted(session, nudge, {p: at for p, _, at in assigned})
    arms = {
        TREATMENT: [p for p, arm, _ in assigned if arm == TREATMENT],
        HOLDOUT: [p for p, arm, _ in assigned if arm == HOLDOUT],
    }
    threshold = _threshold(session, nudge)
    shown = {arm: _arm(people, converted, threshold) for arm, people in arms.items()}
    baseline = _baseline(session, nudge, shown[HOLDOUT])
    needed = required_per_arm(baseline, nudge.min_effect)
    # More eligible people to assign before both arms have `needed` (each arm gets its share of them).
    short = math.ceil(
        max(
            max(0, needed - len(arms[TREATMENT])) / (1 - nudge.holdout),
            max(0, needed - len(arms[HOLDOUT])) / nudge.holdout,
        )
    )
    waiting, decided = None, None
    if short:
        verdict = "collecting"
        waiting = _waiting(nudge, len(assigned), short, now)
    else:  # decided on the first `needed` people of each arm: a fixed horizon, however often it is read
        t = sum(p in converted for p in arms[TREATMENT][:needed])
        h = sum(p in converted for p in arms[HOLDOUT][:needed])
        verdict = decide(t, h, needed)
        decided = {"perArm": needed, "treatment": t, "holdout": h, "lift": lift(t, needed, h, needed, Z_VERDICT)}
    if record and verdict != nudge.verdict:
        begin_write(session)
        nudge.verdict = verdict
        webhooks.enqueue(
            session,
            project_id,
            "nudge.verdict",
            {"nudge": nudge.id, "name": nudge.name, "gap": nudge.gap_id, "verdict": verdict},
            now,
            natural_key=f"{nudge.id}:{verdict}:{now.isoformat()}",
        )
        session.commit()
    else:
        session.rollback()  # a read: end it
    k1, n1 = shown[TREATMENT]["conversions"], shown[TREATMENT]["n"]
    k0, n0 = shown[HOLDOUT]["conversions"], shown[HOLDOUT]["n"]
    return {
        "diagnosis": _diagnosis(session, nudge, arms, {p: at for p, _, at in assigned}, lift(k1, n1, k0, n0)),
        "nudge": nudge.id,
        "metric": nudge.metric,
        TREATMENT: shown[TREATMENT],
        HOLDOUT: shown[HOLDOUT],
        "lift": lift(k1, n1, k0, n0),
        "requiredPerArm": needed,
        "verdict": verdict,
        "waiting": waiting,
        "decidedOn": decided,
    }


def _diagnosis(session: Session, nudge: Nudge, arms: dict, assigned_at: dict, seen: dict) -> dict | None:
    """For a nudge measured by exposure: did adoption follow? When people were shown the feature (the lift in
    exposure is wholly above 0) but using it did not rise with it (the adoption lift's interval reaches 0),
    the gap behind it is one of delivery, not of communication, and this says so with both lifts."""
    if nudge.metric["measure"] != "exposure" or seen["value"] is None or seen["low"] <= 0:
        return None
    used = _converted(session, nudge, assigned_at, {"measure": "adoption", "feature": nudge.metric["feature"]})
    k1, n1 = sum(p in used for p in arms[TREATMENT]), len(arms[TREATMENT])
    k0, n0 = sum(p in used for p in arms[HOLDOUT]), len(arms[HOLDOUT])
    adoption = lift(k1, n1, k0, n0)
    if adoption["low"] > 0:
        return {"kind": "communication", "exposureLift": seen, "adoptionLift": adoption, "text": None}
    return {
        "kind": "delivery",
        "exposureLift": seen,
        "adoptionLift": adoption,
        "text": "More people found the feature, but using it did not rise with them: this is a delivery gap "
        "(they find it; it doesn't deliver), not a communication gap.",
    }


def _arm(people: list[int], converted: set[int], threshold: float | None) -> dict:
    n, k = len(people), sum(p in converted for p in people)
    low, high = stats.wilson(k, n)
    rate = k / n if n else None
    severity = None
    if threshold and rate is not None:
        severity = round(max(0.0, (threshold - rate) / threshold), 4)
    return {"n": n, "conversions": k, "rate": rate, "low": round(low, 4), "high": round(high, 4), "severity": severity}


def _converted(
    session: Session, nudge: Nudge, assigned_at: dict[int, datetime], metric: dict | None = None
) -> set[int]:
    """The assigned people who did what the measure (the nudge's, unless given) asks on or after the day they
    were assigned."""
    if not assigned_at:
        return set()
    metric, people = metric or nudge.metric, sorted(assigned_at)
    if metric["measure"] == "event":
        rows = session.execute(
            select(Event.person_id, Event.timestamp).where(
                Event.project_id == nudge.project_id,
                Event.type == "track",
                Event.name == metric["event"],
                Event.timestamp >= min(assigned_at.values()),
                member_of(Event.person_id, people),
            )
        )
        return {p for p, at in rows if at >= assigned_at[p]}
    feature = session.scalar(
        select(Feature.id).where(Feature.project_id == nudge.project_id, Feature.key == metric["feature"])
    )
    if feature is None:
        return set()
    first_day = {p: day_number(at) for p, at in assigned_at.items()}
    days: dict[int, set[int]] = {}
    seen: set[int] = set()
    for person, day, used, events in session.execute(
        select(FeatureUsage.person_id, FeatureUsage.day, FeatureUsage.used, FeatureUsage.events).where(
            FeatureUsage.project_id == nudge.project_id,
            FeatureUsage.feature_id == feature,
            FeatureUsage.day >= min(first_day.values()),
            member_of(FeatureUsage.person_id, people),
        )
    ):
        if day < first_day[person]:
            continue
        seen.add(person)
        if used + events > 0:
            days.setdefault(person, set()).add(day)
    if metric["measure"] == "exposure":
        return seen
    return {p for p, d in days.items() if len(d) >= (2 if metric["measure"] == "repeat" else 1)}


def _threshold(session: Session, nudge: Nudge) -> float | None:
    """The gap threshold the measure is held to (exposure 50%, adoption 30%, repeat 30% by default)."""
    if nudge.gap_id is None or nudge.metric["measure"] == "event":
        return None
    return gap_thresholds(session, nudge.project_id)[nudge.metric["measure"]]


def _baseline(session: Session, nudge: Nudge, holdout: dict) -> float:
    if holdout["n"] >= BASELINE_PEOPLE:
        return holdout["rate"]
    if nudge.gap_id is not None:
        evidence = session.scalar(
            select(GapSnapshot.evidence)
            .where(GapSnapshot.gap_id == nudge.gap_id, GapSnapshot.flagged.is_(True))
            .order_by(GapSnapshot.window_end.desc())
            .limit(1)
        )
        measure = (evidence or {}).get("measure") or {}
        if measure.get("name") == nudge.metric["measure"] and measure.get("value") is not None:
            return float(measure["value"])
    return 0.5


def _waiting(nudge: Nudge, assigned: int, short: int, now: datetime) -> str:
    """ "about 120 more people (about 9 days at the current pace)"."""
    text = f"about {short:,} more {'person' if short == 1 else 'people'}"
    if nudge.started_at is not None and assigned:
        days = max((now - nudge.started_at).total_seconds() / 86_400, 1 / 24)
        per_day = assigned / days
        days_left = math.ceil(short / per_day)
        text += f" (about {days_left:,} {'day' if days_left == 1 else 'days'} at the current pace)"
    return text
