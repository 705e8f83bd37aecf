"""Reading a project's accounts and survey responses page by page, filtered, for the admin API."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ...errors import NotFound
from ...models import Account, Person, Response
from ..storage.pagination import page


@dataclass(frozen=True)
class AccountView:
    """An account and how many people belong to it."""

    id: int
    external_id: str
    name: str | None
    plan: str | None
    tier: str | None
    mrr: Decimal | None
    traits: dict
    created_at: datetime
    updated_at: datetime
    people: int


@dataclass(frozen=True)
class ResponseView:
    """A response and the user id of the person who gave it."""

    response: Response
    user_id: str | None

    def __getattr__(self, name):
        return getattr(self.response, name)


def list_accounts(session: Session, project_id: int, args: dict) -> tuple[list[AccountView], str | None]:
    """One page of the project's accounts matching `plan`, `tier` and `q` (name or external id contains), by id."""
    stmt = select(Account).where(Account.project_id == project_id)
    if args.get("plan"):
        stmt = stmt.where(Account.plan == args["plan"])
    if args.get("tier"):
        stmt = stmt.where(Account.tier == args["tier"])
    if args.get("q"):
        text = args["q"].lower()
        stmt = stmt.where(
            or_(
                func.lower(Account.name).contains(text, autoescape=True),
                func.lower(Account.external_id).contains(text, autoescape=True),
            )
        )
    rows, next_cursor = page(session, stmt, Account.id, args["limit"], args["cursor"])
    return _accounts(session, rows), next_cursor


def get_account(session: Session, project_id: int, account_id: int) -> AccountView:
    """One account of the project with its people count, or NotFound (also for another project's account)."""
    account = session.scalar(select(Account).where(Account.project_id == project_id, Account.id == account_id))
    if account is None:
        raise NotFound(f"No account with id {account_id}.")
    return _accounts(session, [account])[0]


def _accounts(session: Session, accounts: list[Account]) -> list[AccountView]:
    ids = [a.id for a in accounts]
    counts = (
        dict(
            session.execute(
                select(Person.account_id, func.count()).where(Person.account_id.in_(ids)).group_by(Person.account_id)
            ).all()
        )
        if ids
        else {}
    )
    return [
        AccountView(
            a.id,
            a.external_id,
            a.name,
            a.plan,
            a.tier,
            a.mrr,
            a.traits or {},
            a.created_at,
            a.updated_at,
            counts.get(a.id, 0),
        )
        for a in accounts
    ]


def list_responses(session: Session, project_id: int, args: dict) -> tuple[list[ResponseView], str | None]:
    """One page of the project's survey responses matching the filters, by id (the order they arrived in)."""
    stmt = select(Response).where(Response.project_id == project_id)
    if args.get("survey") is not None:
        stmt = stmt.where(Response.survey_id == args["survey"])
    if args.get("stage"):
        stmt = stmt.where(Response.stage == args["stage"])
    if args.get("completed") is not None:
        stmt = stmt.where(Response.completed.is_(args["completed"]))
    if args.get("since"):
        stmt = stmt.where(Response.created_at >= args["since"])
    if args.get("until"):
        stmt = stmt.where(Response.created_at < args["until"])
    if args.get("person"):
        stmt = stmt.where(
            Response.person_id.in_(
                select(Person.id).where(Person.project_id == project_id, Person.user_id == args["person"])
            )
        )
    rows, next_cursor = page(session, stmt, Response.id, args["limit"], args["cursor"])
    ids = {r.person_id for r in rows}
    users = dict(session.execute(select(Person.id, Person.user_id).where(Person.id.in_(ids))).all()) if ids else {}
    return [ResponseView(r, users.get(r.person_id)) for r in rows], next_cursor
