"""Features pages (the list with each feature's last 30 days of use, the feature form) and the journey page
(the rules that place people on stages, and the funnel they give)."""

import re

from flask import g, request
from marshmallow import ValidationError

from ...core.features import activity as feature_activity
from ...core.features import definitions as feature_service
from ...core.journey import funnel
from ...core.journey.rules import journey_rules
from ...core.journey.stages import set_journey_rules
from ...db import db
from ...errors import ApiError
from ...schemas.features import FeatureSchema
from ..frame import project_page
from .base import bp, failure, page, saved

USAGE_DAYS = 30
FLAGS = ("core", "aha", "promised")
RULE_NUMBERS = (
    ("activation", "coreFeatures"),
    ("activation", "withinDays"),
    ("adoption", "weeks"),
    ("population", "robotFeaturesPerMinute"),
)
NEW_FEATURE = {
    "key": "",
    "name": "",
    "selector": "",
    "event": "",
    "goals": "",
    "effort": "3",
    "core": False,
    "aha": False,
    "promised": False,
}


@bp.get("/p/<int:project_id>/features")
@project_page("viewer")
def features(project_id):
    """The features with their last 30 days of use."""
    return _list_page()


@bp.get("/p/<int:project_id>/features/new")
@project_page("viewer")
def feature_new(project_id):
    """The form for a new feature."""
    return _form_page(None, NEW_FEATURE)


@bp.post("/p/<int:project_id>/features/new")
@project_page("editor")
def feature_create(project_id):
    """Save a new feature."""
    values = _values(with_key=True)
    try:
        feature = feature_service.create_feature(db.session, project_id, FeatureSchema().load(_data(values)))
    except (ValidationError, ApiError) as error:
        return _form_page(None, values, error)
    return saved(f"Feature {feature.name!r} saved.", "ui_config.features")


@bp.get("/p/<int:project_id>/features/<key>/edit")
@project_page("viewer")
def feature_edit(project_id, key):
    """The form for an existing feature."""
    feature = feature_service.get_feature(db.session, project_id, key)
    values = {
        "key": feature.key,
        "name": feature.name,
        "selector": feature.selector or "",
        "event": feature.event or "",
        "goals": ", ".join(feature.goals or []),
        "effort": str(feature.effort),
        **{flag: getattr(feature, flag) for flag in FLAGS},
    }
    return _form_page(feature, values)


@bp.post("/p/<int:project_id>/features/<key>/edit")
@project_page("editor")
def feature_update(project_id, key):
    """Save a feature's fields (its key stays)."""
    feature = feature_service.get_feature(db.session, project_id, key)
    values = {**_values(with_key=False), "key": feature.key}
    try:
        changes = FeatureSchema(exclude=("key",)).load(_data(values))
        feature = feature_service.update_feature(db.session, project_id, key, changes)
    except (ValidationError, ApiError) as error:
        return _form_page(feature, values, error)
    return saved(f"Feature {feature.name!r} saved.", "ui_config.features")


@bp.post("/p/<int:project_id>/features/<key>/delete")
@project_page("editor")
def feature_delete(project_id, key):
    """Delete a feature no survey is triggered by; otherwise say which surveys are."""
    try:
        feature_service.delete_feature(db.session, project_id, key)
    except ApiError as error:
        if error.status_code == 404:
            raise
        return _list_page(failure(error)[0], error.status_code)
    return saved(f"Feature {key!r} deleted.", "ui_config.features")


@bp.get("/p/<int:project_id>/journey")
@project_page("viewer")
def journey(project_id):
    """The journey rules and the funnel they give."""
    rules = journey_rules(db.session, project_id)
    return _journey_page(
        {
            "ahaEvents": "\n".join(rules["ahaEvents"]),
            **{f"{part}.{name}": str(rules[part][name]) for part, name in RULE_NUMBERS},
            "population.identified": rules["population"]["identified"],
            "population.productUrls": "\n".join(rules["population"]["productUrls"]),
        }
    )


@bp.post("/p/<int:project_id>/journey")
@project_page("editor")
def journey_save(project_id):
    """Replace the journey rules; every person's stage is recomputed."""
    texts = ("ahaEvents", "population.productUrls", *(f"{p}.{n}" for p, n in RULE_NUMBERS))
    values: dict = {name: request.form.get(name, "") for name in texts}
    values["population.identified"] = request.form.get("population.identified") == "1"
    rules: dict = {
        "ahaEvents": _lines(values["ahaEvents"]),
        "activation": {},
        "adoption": {},
        "population": {
            "identified": values["population.identified"],
            "productUrls": _lines(values["population.productUrls"]),
        },
    }
    for part, name in RULE_NUMBERS:
        if values[f"{part}.{name}"].strip():  # an empty field takes its default
            rules[part][name] = values[f"{part}.{name}"].strip()
    try:
        set_journey_rules(db.session, project_id, rules)
    except (ValidationError, ApiError) as error:
        db.session.rollback()
        return _journey_page(values, error)
    return saved("Journey rules saved; every person's stage was recomputed.", "ui_config.journey")


def _values(with_key: bool) -> dict:
    form = request.form
    values: dict[str, str | bool] = {
        name: form.get(name, "") for name in ("name", "selector", "event", "goals", "effort")
    }
    values.update({flag: flag in form for flag in FLAGS})
    if with_key:
        values["key"] = form.get("key", "").strip()
    return values


def _data(values: dict) -> dict:
    """The form's text as the feature schema takes it: empty selector or event is none, goals split on commas."""
    return {
        **values,
        "selector": values["selector"].strip() or None,
        "event": values["event"].strip() or None,
        "goals": [goal.strip() for goal in re.split(r"[,\n]", values["goals"]) if goal.strip()],
    }


def _list_page(error: str | None = None, status: int = 200):
    usage = feature_activity.recent_usage(db.session, g.project.id, USAGE_DAYS)
    rows = [
        (f, usage.get(f.id, {"saw": 0, "used": 0, "repeat": 0}))
        for f in feature_service.list_features(db.session, g.project.id)
    ]
    return page("ui/config/features.html", status, rows=rows, error=error, days=USAGE_DAYS)


def _form_page(feature, values: dict, error: Exception | None = None):
    message, errors, status = failure(error) if error else (None, {}, 200)
    return page("ui/config/feature_edit.html", status, feature=feature, values=values, message=message, errors=errors)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _journey_page(values: dict, error: Exception | None = None):
    message, errors, status = failure(error) if error else (None, {}, 200)
    result = funnel.funnel(db.session, g.project.id)
    return page(
        "ui/config/journey.html",
        status,
        values=values,
        message=message,
        errors=errors,
        funnel=result,
        chart=_funnel_chart(result["stages"]),
    )


def _funnel_chart(stages: list[dict]) -> dict:
    """Chart.js bars per stage (drawn by static/ui/charts.js): reached and in it now, each bar labelled in text."""

    def bars(label, key, color, word):
        return {
            "label": label,
            "data": [s[key] for s in stages],
            "backgroundColor": color,
            "borderColor": "#14171c",
            "borderWidth": 1,
            "gwLabels": [f"{word} {s[key]}" for s in stages],
        }

    return {
        "type": "bar",
        "data": {
            "labels": [s["stage"].title() for s in stages],
            "datasets": [
                bars("Reached the stage", "reached", "#1f5fbf", "reached"),
                bars("In the stage now", "current", "#b8c7e0", "now"),
            ],
        },
        "options": {
            "indexAxis": "y",
            "scales": {"x": {"beginAtZero": True, "grace": "30%", "title": {"display": True, "text": "people"}}},
        },
    }
