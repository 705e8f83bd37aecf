"""/api/v1/accounts: the project's customer accounts, filtered and paged, each with its people count (secret key)."""

from flask import Blueprint, g, request

from ..core.people import directory
from ..db import db
from ..schemas.api import AccountOutSchema, AccountQuerySchema
from .openapi import ID, doc, list_of

bp = Blueprint("accounts", __name__)
_query, _out = AccountQuerySchema(), AccountOutSchema()
_Page = list_of("accounts", AccountOutSchema)


@bp.get("")
@doc("List accounts", query=AccountQuerySchema, response=_Page)
def list_accounts():
    """Accounts in id order, `limit` per page; filter by plan, tier, or text in the name or external id."""
    accounts, next_cursor = directory.list_accounts(db.session, g.project_id, _query.load(request.args))
    return {"accounts": _out.dump(accounts, many=True), "nextCursor": next_cursor}


@bp.get(f"/<{ID}:account_id>")
@doc("Get one account", response=AccountOutSchema, responses={404: "No account with this id in the project."})
def get_account(account_id):
    return _out.dump(directory.get_account(db.session, g.project_id, account_id))
