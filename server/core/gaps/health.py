"""Account health: a 0–100 score from usage trend, latest NPS and CSAT, and the open gaps touching the account.

Each penalty comes with its reason, so "at risk" always says why. Usage compares the people-days
active in the last 14 days with the 14 before.
"""

from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from ...formats import percent
from ...models import Account, Activity, Gap, GapSnapshot, Person, Response, Survey
from ..storage.sql import day_number
from . import flags as gap_flags
from . import report as gaps

PERIOD_DAYS = 14
AT_RISK_BELOW = 60


def accounts(session: Session, project_id: int, at: datetime | None = None, report: dict | None = None) -> list[dict]:
    """Every account of the project with its health, the ones at risk first. Open gaps come from the stored
    gap report (`report`, when the caller already read it), so reading health never evaluates."""
    report = report or gaps.read(session, project_id, at)
    end = gaps.window_ending(at, 1).end
    usage = _usage(session, project_id, end)
    nps, csat = _latest(session, project_id, "nps"), _latest(session, project_id, "csat")
    window = report["window"]
    touching = _open_gaps(session, project_id, day_number(window["end"]), window["days"])
    out = []
    for a in session.execute(
        select(
            Account.id,
            Account.external_id,
            Account.name,
            Account.plan,
            Account.mrr,
            func.count(Person.id).label("people"),
        )
        .outerjoin(Person, Person.account_id == Account.id)
        .where(Account.project_id == project_id)
        .group_by(Account.id)
    ):
        current, previous = usage.get(a.id, (0, 0))
        score, reasons = _score(current, previous, nps.get(a.id), csat.get(a.id), touching.get(a.id, []))
        out.append(
            {
                "id": a.id,
                "externalId": a.external_id,
                "name": a.name,
                "plan": a.plan,
                "mrr": float(a.mrr) if a.mrr is not None else None,
                "people": a.people,
                "score": score,
                "atRisk": score < AT_RISK_BELOW,
                "reasons": reasons,
                "usage": {"current": current, "previous": previous},
                "nps": nps.get(a.id),
                "csat": csat.get(a.id),
                "openGaps": sorted(touching.get(a.id, [])),
            }
        )
    out.sort(key=lambda e: (not e["atRisk"], e["score"], -(e["mrr"] or 0), e["externalId"]))
    return out


def _score(current: int, previous: int, nps: float | None, csat: float | None, open_gaps: list[str]):
    score, reasons = 100, []
    if current == 0 and previous > 0:
        score -= 40
        reasons.append(f"no activity in the last {PERIOD_DAYS} days")
    elif previous > 0 and current < previous:
        drop = (previous - current) / previous
        if drop >= 0.2:
            score -= 30 if drop >= 0.5 else 15
            reasons.append(f"usage down {percent(drop)} on the previous {PERIOD_DAYS} days")
    if nps is not None and nps <= 8:
        score -= 20 if nps <= 6 else 5
        reasons.append(f"latest NPS answer {nps:g} ({'detractor' if nps <= 6 else 'passive'})")
    if csat is not None and csat <= 3:
        score -= 15 if csat <= 2 else 5
        reasons.append(f"latest CSAT answer {csat:g} of 5")
    if open_gaps:
        score -= min(10 * len(open_gaps), 30)
        named = ", ".join(gap_flags.label(key) for key in sorted(open_gaps)[:3])
        reasons.append(f"{len(open_gaps)} open gap{'s' * (len(open_gaps) > 1)}: {named}")
    return max(score, 0), reasons


def _usage(session: Session, project_id: int, end: int) -> dict[int, tuple[int, int]]:
    """People-days active per account: (last 14 days, the 14 before)."""
    recent = Activity.day >= end - PERIOD_DAYS
    rows = session.execute(
        select(Person.account_id, func.sum(case((recent, 1), else_=0)), func.sum(case((recent, 0), else_=1)))
        .join(Person, Person.id == Activity.person_id)
        .where(
            Activity.project_id == project_id,
            Activity.day >= end - 2 * PERIOD_DAYS,
            Activity.day < end,
            Person.account_id.is_not(None),
        )
        .group_by(Person.account_id)
    )
    return {account: (int(cur or 0), int(prev or 0)) for account, cur, prev in rows}


def _latest(session: Session, project_id: int, kind: str) -> dict[int, float]:
    """The latest completed answer to a survey of this kind per account."""
    answered = (
        select(Person.account_id, Response.created_at, Response.score)
        .join(Person, Person.id == Response.person_id)
        .join(Survey, Survey.id == Response.survey_id)
        .where(
            Response.project_id == project_id,
            Survey.kind == kind,
            Response.completed,
            Response.score.is_not(None),
            Person.account_id.is_not(None),
        )
    ).subquery()
    last = (
        select(answered.c.account_id, func.max(answered.c.created_at).label("at")).group_by(answered.c.account_id)
    ).subquery()
    rows = session.execute(
        select(answered.c.account_id, answered.c.score).join(
            last, and_(last.c.account_id == answered.c.account_id, last.c.at == answered.c.created_at)
        )
    )
    return dict(rows.all())


def _open_gaps(session: Session, project_id: int, end: int, days: int) -> dict[int, list[str]]:
    """Gap keys per account, from this window's snapshots of gaps not marked resolved."""
    touching: dict[int, list[str]] = {}
    for key, evidence in session.execute(
        select(Gap.key, GapSnapshot.evidence)
        .join(GapSnapshot, GapSnapshot.gap_id == Gap.id)
        .where(
            Gap.project_id == project_id,
            Gap.status != "resolved",
            GapSnapshot.flagged,
            GapSnapshot.window_end == end,
            GapSnapshot.window_days == days,
        )
    ):
        for account in (evidence.get("affected") or {}).get("accounts", []):
            touching.setdefault(account, []).append(key)
    return touching
