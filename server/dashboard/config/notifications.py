"""Notifications pages: the project's destinations (Slack, Teams, signed webhooks), adding one with its scope and
filters, pausing, deleting, sending a test, and each destination's delivery log.

The form speaks the admin API's names (`url`, `filters.npsMax`, …), so its errors sit next to its fields; the
scope ("responses to a survey", "gaps") becomes the events and the survey filter.
"""

from flask import g, request
from marshmallow import ValidationError

from ...core.surveys import definitions as survey_service
from ...core.webhooks import hooks
from ...db import db
from ...errors import ApiError
from ...schemas.gap_report import GAP_TYPES
from ...schemas.webhooks import KINDS, WebhookSchema, given_filters, mask_url
from ..frame import project_page
from .base import bp, failure, page, saved

LOG_SIZE = 50
KIND_NAMES = {"slack": "Slack", "teams": "Microsoft Teams", "webhook": "Signed webhook"}
NUMBERS = ("filters.npsMax", "filters.ratingMax", "filters.minPriority")
TEXTS = ("kind", "name", "url", "scope", "filters.textContains", *NUMBERS)


@bp.get("/p/<int:project_id>/notifications")
@project_page("viewer")
def notifications(project_id):
    """The destinations, what each is sent, and whether it is on."""
    return _list_page()


@bp.get("/p/<int:project_id>/notifications/new")
@project_page("viewer")
def notification_new(project_id):
    """The form for a new destination, scoped by ?survey=<id> or ?scope=gaps when given."""
    scope = request.args.get("scope", "")
    survey = request.args.get("survey", "")
    values = dict.fromkeys(TEXTS, "") | {"filters.gapTypes": [], "closed": False}
    values |= {"kind": request.args.get("kind", "slack"), "scope": f"survey:{survey}" if survey.isdigit() else scope}
    return _form(values)


@bp.post("/p/<int:project_id>/notifications/new")
@project_page("editor")
def notification_create(project_id):
    """Add a destination; a signed webhook's secret is shown this once."""
    values = _values()
    try:
        created = hooks.create_webhook(db.session, project_id, WebhookSchema().load(_data(values)))
    except (ValidationError, ApiError) as error:
        return _form(values, error)
    if created.kind == "webhook":
        # The secret is in this answer only (never in the session): a reload does not show it.
        return _detail(created, status=201, new_secret=created.secret)
    return saved(
        f"{KIND_NAMES[created.kind]} destination added: send a test to see a message in the channel.",
        "ui_config.notification",
        destination_id=created.id,
    )


@bp.get("/p/<int:project_id>/notifications/<int:destination_id>")
@project_page("viewer")
def notification(project_id, destination_id):
    """One destination and its delivery log, newest first."""
    return _detail(hooks.get_webhook(db.session, project_id, destination_id))


@bp.post("/p/<int:project_id>/notifications/<int:destination_id>/pause")
@project_page("editor")
def notification_pause(project_id, destination_id):
    """Pause a destination, or resume it (events are not queued for it while paused)."""
    hook = hooks.get_webhook(db.session, project_id, destination_id)
    hook = hooks.update_webhook(db.session, project_id, hook.id, {"active": not hook.active})
    state = "resumed" if hook.active else "paused: nothing is queued for it until it is resumed"
    return saved(f"Destination {state}.", "ui_config.notification", destination_id=hook.id)


@bp.post("/p/<int:project_id>/notifications/<int:destination_id>/delete")
@project_page("editor")
def notification_delete(project_id, destination_id):
    """Delete a destination and its log, once confirmed (the first post asks)."""
    hook = hooks.get_webhook(db.session, project_id, destination_id)
    if request.form.get("confirm") != "yes":
        return _detail(hook, confirm=True)
    hooks.delete_webhook(db.session, project_id, hook.id)
    return saved("Destination deleted.", "ui_config.notifications")


@bp.post("/p/<int:project_id>/notifications/<int:destination_id>/test")
@project_page("editor")
def notification_test(project_id, destination_id):
    """Queue a sample message for the destination; the log below shows how it went."""
    hook = hooks.get_webhook(db.session, project_id, destination_id)
    try:
        hooks.send_test(db.session, project_id, hook.id)
    except ApiError as error:
        return _detail(hook, error=error.message, status=error.status_code)
    return saved(
        "Test message queued: it shows in the log below, delivered or with the reason it was not.",
        "ui_config.notification",
        destination_id=hook.id,
    )


def _values() -> dict:
    values: dict = {name: request.form.get(name, "").strip() for name in TEXTS}
    values["filters.gapTypes"], values["closed"] = (
        request.form.getlist("filters.gapTypes"),
        bool(request.form.get("closed")),
    )
    return values


def _number(text: str):
    """A number typed in a field, or the text itself for the schema to refuse."""
    for read in (int, float):
        try:
            return read(text)
        except ValueError:
            continue
    return text


def _data(values: dict) -> dict:
    """The admin API's body for the form: the scope becomes events and the survey filter."""
    scope, filters = values["scope"], {}
    if scope == "gaps":
        events = ["gap.flagged", "gap.closed"] if values["closed"] else ["gap.flagged"]
        filters["gapTypes"] = values["filters.gapTypes"] or None
        filters["minPriority"] = _number(values["filters.minPriority"]) if values["filters.minPriority"] else None
    else:
        events = ["response.created"]
        survey = scope.removeprefix("survey:")
        filters["surveyId"] = int(survey) if survey.isdigit() else None
        for name in ("npsMax", "ratingMax"):
            filters[name] = _number(values[f"filters.{name}"]) if values[f"filters.{name}"] else None
        filters["textContains"] = values["filters.textContains"] or None
    return {"kind": values["kind"], "name": values["name"], "url": values["url"], "events": events, "filters": filters}


def describe(hook, surveys: dict) -> dict:
    """What a destination is sent, in words, and its URL as it may be shown."""
    given = given_filters(hook.filters)
    if "response.created" in (hook.events or []):
        survey = surveys.get(given.get("surveyId"))
        scope = f"Responses to “{survey.name}”" if survey else "Responses to every survey"
    elif {"gap.flagged", "gap.closed"} & set(hook.events or []):
        scope = "Gaps flagged" + (" and closed" if "gap.closed" in hook.events else "")
    else:
        scope = ", ".join(hook.events or [])
    words = {
        "npsMax": "NPS ≤ {}",
        "ratingMax": "rating ≤ {}",
        "textContains": "text contains “{}”",
        "minPriority": "priority ≥ {}",
    }
    said = [words[k].format(v) for k, v in given.items() if k in words]
    if given.get("gapTypes"):
        said.append("kinds: " + ", ".join(given["gapTypes"]))
    url = hook.url if hook.kind == "webhook" else mask_url(hook.url)
    return {"scope": scope, "filters": said, "url": url, "kind": KIND_NAMES.get(hook.kind, hook.kind)}


def _surveys() -> dict:
    return {s.id: s for s in survey_service.list_surveys(db.session, g.project.id)}


def _list_page():
    surveys = _surveys()
    rows = [(hook, describe(hook, surveys)) for hook in hooks.list_webhooks(db.session, g.project.id)]
    return page("ui/config/notifications.html", rows=rows)


def _form(values: dict, error: Exception | None = None):
    message, errors, status = failure(error) if error else (None, {}, 200)
    return page(
        "ui/config/notification_new.html",
        status,
        values=values,
        errors=errors,
        message=message,
        kinds=[(k, KIND_NAMES[k]) for k in ("slack", "teams", "webhook") if k in KINDS],
        surveys=list(_surveys().values()),
        gap_types=GAP_TYPES,
    )


def _detail(hook, status: int = 200, **context):
    log, _ = hooks.deliveries(db.session, g.project.id, hook.id, {"limit": LOG_SIZE})
    return page("ui/config/notification.html", status, hook=hook, about=describe(hook, _surveys()), log=log, **context)
