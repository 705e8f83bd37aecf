"""The settings page: write key and snippet, secret keys (created, shown once, revoked), the survey link secret
(owners only), project settings, gap thresholds. Everyone in the project sees it; only an owner changes anything."""

from flask import g, request
from marshmallow import ValidationError

from ...api.openapi import INT_ID
from ...core.gaps.thresholds import gap_thresholds, set_gap_thresholds
from ...core.projects import keys
from ...core.projects import settings as project_settings
from ...core.projects.snippet import snippet_html
from ...core.surveys import links
from ...db import db
from ...errors import ApiError
from ...schemas.api import KeyCreateSchema
from ...schemas.project_settings import timezones
from ..frame import can, project_page
from .base import bp, failure, page, saved

MAX_KEYS_SHOWN = 500
# The gap thresholds form: (field, label, hint); "stallDays.trial" is a nested field.
THRESHOLDS = [
    ("windowDays", "Window (days)", "How many days each report measures."),
    ("minPeople", "Fewest people behind a flag", "Smaller cohorts are not flagged."),
    ("exposure", "Exposure", "Share (0–1) of active people who saw a feature, below which it is not found."),
    ("adoption", "Adoption", "Share (0–1) of active people who used a feature."),
    ("repeat", "Repeat use", "Share (0–1) of a feature's users who used it on two days or more."),
    ("csat", "CSAT", "Share (0–1) of 4–5 answers on surveys linked to a feature."),
    ("stall", "Stall", "Share (0–1) of a stage's people still there after its days."),
    ("stallDays.trial", "Days in trial", "Before a person counts as stalled in trial."),
    ("stallDays.aha", "Days in aha", "Before a person counts as stalled in aha."),
    ("stallDays.activation", "Days in activation", "Before a person counts as stalled in activation."),
    ("perception", "Perception (P − E)", "Mean perception minus expectation (−6 to 6) below which a gap is flagged."),
    ("value", "Value gap (points)", "Realised minus expected value (−100 to 100) below which a gap is flagged."),
    ("goalShare", "Common goal", "Share (0–1) of people choosing a goal for it to need a core feature."),
    ("rareGoalShare", "Rare goal", "Share (0–1) below which a core feature's goals are rarely chosen."),
]


@bp.get("/p/<int:project_id>/settings")
@project_page("viewer")
def settings(project_id):
    """The settings page: what every member may read, and the forms an owner may use."""
    return _page()


@bp.post("/p/<int:project_id>/settings")
@project_page("owner")
def settings_save(project_id):
    """Replace the allowed origins, survey cooldown and time zone."""
    form = request.form
    values = {name: form.get(name, "") for name in ("allowedOrigins", "surveyCooldownHours", "timezone")}
    origins = [line.strip() for line in values["allowedOrigins"].splitlines() if line.strip()]
    data = {**values, "allowedOrigins": origins}
    try:
        project_settings.update_project_settings(db.session, project_id, data)
    except (ValidationError, ApiError) as error:
        return _page(general=_failed(error, values))
    return saved("Project settings saved.", "ui_config.settings")


@bp.post("/p/<int:project_id>/settings/thresholds")
@project_page("owner")
def thresholds_save(project_id):
    """Replace the gap thresholds (an empty field takes its default)."""
    values = {name: request.form.get(name, "").strip() for name, _, _ in THRESHOLDS}
    data: dict = {}
    for name, value in values.items():
        if value:  # a field left empty takes its default
            head, _, tail = name.partition(".")
            if tail:
                data.setdefault(head, {})[tail] = value
            else:
                data[name] = value
    try:
        set_gap_thresholds(db.session, project_id, data)
    except (ValidationError, ApiError) as error:
        return _page(thresholds=_failed(error, values))
    return saved("Gap thresholds saved; the next report uses them.", "ui_config.settings")


@bp.post("/p/<int:project_id>/settings/keys")
@project_page("owner")
def key_create(project_id):
    """Create a secret key and show it, this once."""
    name = request.form.get("name", "")
    try:
        data = KeyCreateSchema().load({"name": name})
    except ValidationError as error:
        return _page(key_form=_failed(error, {"name": name}))
    row, secret = keys.issue_secret_key(db.session, project_id, data["name"].strip())
    # The key is in this answer only (never stored, never in the session): a reload does not show it.
    return _page(status=201, new_key={"row": row, "secret": secret})


@bp.post(f"/p/<int:project_id>/settings/keys/<{INT_ID}:key_id>/revoke")
@project_page("owner")
def key_revoke(project_id, key_id):
    """Revoke one of the project's secret keys."""
    keys.revoke_secret_key(db.session, project_id, key_id)
    return saved("Secret key revoked: requests made with it now get 401.", "ui_config.settings")


@bp.post("/p/<int:project_id>/settings/link-secret")
@project_page("owner")
def link_secret_rotate(project_id):
    """Replace the survey link secret."""
    links.rotate_link_secret(db.session, project_id)
    return saved(
        "Link secret replaced: links signed with the old one now leave people anonymous.", "ui_config.settings"
    )


def _failed(error: Exception, values: dict) -> dict:
    message, errors, status = failure(error)
    return {"message": message, "errors": errors, "status": status, "values": values}


def _page(status: int = 200, **forms):
    """The settings page; `forms` holds a failed form (its input, errors and status) or the key just created."""
    project = g.project
    status = next((f["status"] for f in forms.values() if f and "status" in f), status)
    current = project_settings.project_settings(db.session, project.id)
    thresholds = gap_thresholds(db.session, project.id)
    general = forms.get("general") or {
        "values": {**current, "allowedOrigins": "\n".join(current["allowedOrigins"])},
        "errors": {},
    }
    threshold_form = forms.get("thresholds") or {
        "values": {name: _pick(thresholds, name) for name, _, _ in THRESHOLDS},
        "errors": {},
    }
    secret_keys, _ = keys.list_secret_keys(db.session, project.id, MAX_KEYS_SHOWN, None)
    return page(
        "ui/config/settings.html",
        status,
        current=current,
        general=general,
        thresholds=threshold_form,
        threshold_fields=THRESHOLDS,
        key_form=forms.get("key_form") or {"values": {"name": ""}, "errors": {}},
        new_key=forms.get("new_key"),
        secret_keys=secret_keys,
        timezones=timezones(),
        snippet=snippet_html(project.write_key, request.host_url),
        link_secret=links.link_secret(db.session, project.id) if can("owner") else None,
    )


def _pick(tree: dict, name: str):
    for step in name.split("."):
        tree = tree[step]
    return tree
