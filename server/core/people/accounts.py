"""Accounts for the dashboard: the list with health, searched, sorted and paged; one account with its people.

Health, at-risk state and the open gaps touching an account come from `gaps.health.accounts`, which scores
every account of the project at once; the list filters and orders those entries, so its default order
(health ascending, at risk first) needs no second scoring.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ...models import Gap, Person, Response, Survey
from ..gaps import flags as gap_flags
from ..gaps import health
from ..surveys import scores
from .directory import AccountView, get_account

# How the list may be sorted: a key for each order, ties broken by external id.
SORTS = {
    "health": lambda a: (a["score"], -(a["mrr"] or 0), a["externalId"]),
    "mrr": lambda a: (a["mrr"] is None, -(a["mrr"] or 0), a["externalId"]),
    "people": lambda a: (-a["people"], a["externalId"]),
    "name": lambda a: ((a["name"] or a["externalId"]).casefold(), a["externalId"]),
}
SCORED_KINDS = ("nps", "csat")


@dataclass(frozen=True)
class Answer:
    """A completed NPS or CSAT answer of someone in an account."""

    kind: str
    survey: str
    score: float
    created_at: datetime
    person_id: int
    user_id: str | None


@dataclass(frozen=True)
class AccountDetail:
    """One account with its health, the open gaps touching it, some of its people and their latest answers."""

    account: AccountView
    health: dict
    gaps: list[tuple[int, str]]
    people: list[Person]
    answers: list[Answer]
    nps: dict | None  # the account's NPS over its people's answers (scores.nps_from_counts), None before any


def search_accounts(
    session: Session, project_id: int, q: str, sort: str, offset: int, limit: int
) -> tuple[list[dict], int]:
    """One page of the accounts whose name or external id contains `q` (any case), each a health entry with
    `npsScore` (its NPS over every answer of its people, None before any), in the order `sort` names (health
    by default), and how many match in all."""
    entries = health.accounts(session, project_id)
    if q:
        text = q.casefold()
        entries = [a for a in entries if text in a["externalId"].casefold() or text in (a["name"] or "").casefold()]
    entries.sort(key=SORTS.get(sort, SORTS["health"]))
    shown = entries[offset : offset + limit]
    nps = _nps(session, project_id, [a["id"] for a in shown])
    return [{**a, "npsScore": nps.get(a["id"])} for a in shown], len(entries)


def account_detail(
    session: Session, project_id: int, account_id: int, people_shown: int = 100, answers_shown: int = 20
) -> AccountDetail:
    """The project's account with its health, open gaps (id, label), people by last seen and latest NPS/CSAT
    answers; NotFound for an account of another project."""
    account = get_account(session, project_id, account_id)
    entry = next(a for a in health.accounts(session, project_id) if a["id"] == account.id)
    gaps = session.execute(
        select(Gap.id, Gap.key).where(Gap.project_id == project_id, Gap.key.in_(entry["openGaps"])).order_by(Gap.key)
    )
    people = session.scalars(
        select(Person)
        .where(Person.project_id == project_id, Person.account_id == account.id)
        .order_by(Person.last_seen.desc(), Person.id.desc())
        .limit(people_shown)
    )
    answers = session.execute(
        _answered(project_id, [account.id], SCORED_KINDS)
        .add_columns(Survey.kind, Survey.name, Response.score, Response.created_at, Person.id, Person.user_id)
        .order_by(Response.created_at.desc(), Response.id.desc())
        .limit(answers_shown)
    )
    return AccountDetail(
        account,
        entry,
        [(gap_id, gap_flags.label(key)) for gap_id, key in gaps],
        list(people),
        [Answer(*row) for row in answers],
        _nps(session, project_id, [account.id]).get(account.id),
    )


def _answered(project_id: int, account_ids: list[int], kinds: tuple[str, ...]):
    """Completed, scored answers to surveys of these kinds by people of these accounts (no columns yet)."""
    return (
        select()
        .select_from(Response)
        .join(Person, Person.id == Response.person_id)
        .join(Survey, Survey.id == Response.survey_id)
        .where(
            Response.project_id == project_id,
            Person.account_id.in_(account_ids),
            Survey.kind.in_(kinds),
            Response.completed,
            Response.score.is_not(None),
        )
    )


def _nps(session: Session, project_id: int, account_ids: list[int]) -> dict[int, dict]:
    """Each account's NPS over every completed NPS answer its people gave, with n and the margin of error."""
    if not account_ids:
        return {}
    rows = session.execute(
        _answered(project_id, account_ids, ("nps",))
        .add_columns(
            Person.account_id,
            func.count(),
            func.count(case((Response.score >= 9, 1))),
            func.count(case((Response.score <= 6, 1))),
        )
        .group_by(Person.account_id)
    )
    return {account: scores.nps_from_counts(n, promoters, detractors) for account, n, promoters, detractors in rows}
