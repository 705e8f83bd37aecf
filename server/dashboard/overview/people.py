"""Dashboard people: search by user or anonymous id, filter by stage and segment, and one person's timeline.

Routes of the ui_overview blueprint. The list pages with the admin API's cursors; the timeline merges what
`person_records.export_person` holds (events, survey displays and responses, goals) with the person's stage
milestones, newest first, capped with a "show more" link.
"""

import json

from flask import Response, flash, redirect, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from ...api.openapi import ID
from ...core.gaps import flags as gap_flags
from ...core.people import records as person_records
from ...core.segments import definitions as segments
from ...db import db
from ...errors import ApiError
from ...models import Gap
from ...schemas.people import STAGES, PeopleQuerySchema, PersonExportSchema
from ..frame import project_page, render_page
from .base import bp

PAGE, SHOWN, MAX_SHOWN = 50, 100, 100_000
MAX_PAGE = 200  # 10,000 people by pages: past that, the filters narrow it down better
SORT_NAMES = [
    ("recent", "Last seen, latest first"),
    ("newest", "First seen, latest first"),
    ("first_seen", "First seen, earliest first"),
    ("user", "User id"),
]
MILESTONES = (("trial", "first_seen"), ("aha", "aha_at"), ("activation", "activated_at"), ("adoption", "adopted_at"))
_query = PeopleQuerySchema()
_export = PersonExportSchema()


@bp.get("/p/<int:project_id>/people")
@project_page("viewer")
def people(project_id):
    """One page of people matching the search and filters, sorted, with how many match in all."""
    names = ("q", "stage", "segment", "gap", "account", "sort", "page")
    filters = {name: request.args.get(name, "").strip() for name in names}
    if filters["sort"] not in person_records.SORTS:
        filters["sort"] = "recent"
    number = int(filters["page"]) if filters["page"].isdigit() and 0 < int(filters["page"]) <= MAX_PAGE else 1
    found: list = []
    total, error, status = 0, None, 200
    try:
        args = _query.load(
            {k: filters[k] for k in ("stage", "segment", "gap", "account") if filters[k]} | {"limit": PAGE}
        )
        args["q"] = filters["q"][:200]
        found, total = person_records.search_people(
            db.session, project_id, args, filters["sort"], (number - 1) * PAGE, PAGE
        )
    except ValidationError as invalid:
        error, status = _messages(invalid.normalized_messages()), 422
    except ApiError as failed:
        error, status = failed.message, failed.status_code
    return render_page(
        "ui/overview/people.html",
        filters=filters,
        people=found,
        total=total,
        page=number,
        pages=min(MAX_PAGE, -(-total // PAGE)),
        sorts=SORT_NAMES,
        stages=STAGES,
        segments=segments.list_segments(db.session, project_id),
        gap=_gap_label(project_id, filters["gap"]),
        error=error,
    ), status


def _gap_label(project_id: int, gap_id: str) -> str | None:
    """The gap a list is filtered to, in words ("communication gap on alerts"), when it is the project's."""
    if not gap_id.isdigit():
        return None
    key = db.session.scalar(select(Gap.key).where(Gap.project_id == project_id, Gap.id == int(gap_id)))
    return gap_flags.label(key) if key else None


@bp.get(f"/p/<int:project_id>/people/<{ID}:person_id>")
@project_page("viewer")
def person(project_id, person_id):
    """A person's traits, account, stage milestones and merged timeline, newest first."""
    return _person_page(project_id, person_id)


def _person_page(project_id: int, person_id: int, confirm_erase: bool = False) -> str:
    shown = min(max(request.args.get("show", SHOWN, type=int), 1), MAX_SHOWN)
    record = person_records.export_person(db.session, project_id, person_id)
    who = record["person"]
    items = timeline(record)
    return render_page(
        "ui/overview/person.html",
        who=who,
        traits=[(key, text(value)) for key, value in sorted(who.traits.items())],
        milestones=[(stage, getattr(who, column)) for stage, column in MILESTONES],
        items=items[:shown],
        total=len(items),
        more=min(shown * 4, MAX_SHOWN) if len(items) > shown else None,
        confirm_erase=confirm_erase,
    )


@bp.get(f"/p/<int:project_id>/people/<{ID}:person_id>/export.json")
@project_page("owner")
def person_export(project_id, person_id):
    """Everything held about the person, as GET /api/v1/people/<id>/export answers it (the right of access)."""
    document = _export.dump(person_records.export_person(db.session, project_id, person_id))
    body = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    disposition = f'attachment; filename="person-{person_id}.json"'
    return Response(body, mimetype="application/json", headers={"Content-Disposition": disposition})


@bp.post(f"/p/<int:project_id>/people/<{ID}:person_id>/erase")
@project_page("owner")
def person_erase(project_id, person_id):
    """Erase the person and everything they left (the right to erasure), once confirmed: the first post asks."""
    if request.form.get("confirm") != "yes":
        return _person_page(project_id, person_id, confirm_erase=True)
    deleted = person_records.delete_person(db.session, project_id, person_id)
    flash(
        f"Person {person_id} erased, with {deleted.get('events', 0)} events; "
        "figures that counted them are measured again."
    )
    return redirect(url_for("ui_overview.people", project_id=project_id))


def timeline(record: dict) -> list[dict]:
    """Events, survey displays and answers, goals and stage changes as {at, kind, title, details}, newest first.

    At equal times a stage change shows above the event that caused it.
    """
    who, items = record["person"], []
    for stage, column in MILESTONES:
        if getattr(who, column):
            items.append(
                _item(
                    getattr(who, column),
                    "stage",
                    "First seen: stage trial" if stage == "trial" else f"Reached stage {stage}",
                )
            )
    for e in record["events"]:
        if e["type"] == "survey":  # shown as the display and the response it recorded
            continue
        items.append(
            _item(
                e["timestamp"],
                e["type"],
                _event_title(e),
                [f"{k}: {text(v)}" for k, v in sorted((e["properties"] or {}).items())],
            )
        )
    for d in record["displays"]:
        outcome = ([f"answered {d['answeredAt']:%Y-%m-%d %H:%M}"] if d["answeredAt"] else []) + (
            [f"dismissed {d['dismissedAt']:%Y-%m-%d %H:%M}"] if d["dismissedAt"] else []
        )
        items.append(
            _item(d["shownAt"], "survey shown", f"Survey shown: {d['survey']}", [f"stage: {d['stage']}", *outcome])
        )
    for r in record["responses"]:
        details = [f"{k}: {text(v)}" for k, v in (r["answers"] or {}).items()]
        items.append(
            _item(
                r["createdAt"],
                "answer",
                f"Answered {r['survey']}" + ("" if r["completed"] else " (not finished)"),
                details + [f"stage: {r['stage']}"],
            )
        )
    for goal in record["goals"]:
        items.append(_item(goal["chosenAt"], "goal", f"Chose the goal {goal['goal']}"))
    items.sort(key=lambda item: item["at"], reverse=True)
    return items


def _item(at, kind: str, title: str, details: list[str] | None = None) -> dict:
    return {"at": at, "kind": kind, "title": title, "details": details or []}


def _event_title(event: dict) -> str:
    props = event["properties"] or {}
    if event["type"] == "page":
        return f"Viewed {props.get('path') or props.get('url') or 'a page'}"
    if event["name"] in ("feature_used", "feature_seen") and props.get("feature"):
        return f"{'Used' if event['name'] == 'feature_used' else 'Saw'} feature {props['feature']}"
    if event["type"] == "track":
        return f"Event {event['name']}"
    return {"identify": "Identified", "group": "Joined an account"}.get(event["type"], event["type"])


def text(value) -> str:
    """A trait, property or answer as plain text (JSON for anything but a string); templates escape it."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _messages(errors: dict) -> str:
    names = {
        "userId": "Search",
        "anonymousId": "Search",
        "cursor": "Page",
        "stage": "Stage",
        "segment": "Segment",
        "gap": "Gap",
        "account": "Account",
    }
    return "; ".join(f"{names.get(k, k)}: {' '.join(v) if isinstance(v, list) else v}" for k, v in errors.items())
