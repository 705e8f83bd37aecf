"""Dashboard accounts: every account with MRR, people, health and open gaps, searched and sorted; one account.

Routes of the ui_overview blueprint. Health and its reasons are those of the overview's at-risk list
(`core.gaps.health`), so an account reads the same on both pages.
"""

from flask import request

from ...api.openapi import ID
from ...core.people import accounts as account_records
from ...db import db
from ..frame import project_page, render_page
from .base import bp
from .people import text

PAGE = 50
MAX_PAGE = 200  # 10,000 accounts by pages: past that, a search narrows it down better
SORT_NAMES = [
    ("health", "Health, at risk first"),
    ("mrr", "MRR, highest first"),
    ("people", "People, most first"),
    ("name", "Name"),
]


@bp.get("/p/<int:project_id>/accounts")
@project_page("viewer")
def accounts(project_id):
    """One page of the accounts matching the search, sorted, with how many match in all."""
    filters = {name: request.args.get(name, "").strip() for name in ("q", "sort", "page")}
    filters["q"] = filters["q"][:200]
    if filters["sort"] not in account_records.SORTS:
        filters["sort"] = "health"
    number = int(filters["page"]) if filters["page"].isdigit() and 0 < int(filters["page"]) <= MAX_PAGE else 1
    found, total = account_records.search_accounts(
        db.session, project_id, filters["q"], filters["sort"], (number - 1) * PAGE, PAGE
    )
    return render_page(
        "ui/overview/accounts.html",
        filters=filters,
        accounts=found,
        total=total,
        page=number,
        pages=min(MAX_PAGE, -(-total // PAGE)),
        sorts=SORT_NAMES,
    )


@bp.get(f"/p/<int:project_id>/accounts/<{ID}:account_id>")
@project_page("viewer")
def account(project_id, account_id):
    """An account's facts, traits, health with its reasons, open gaps, people and latest NPS/CSAT answers."""
    detail = account_records.account_detail(db.session, project_id, account_id)
    return render_page(
        "ui/overview/account.html",
        detail=detail,
        a=detail.account,
        traits=[(key, text(value)) for key, value in sorted(detail.account.traits.items())],
    )
