"""The blueprint of the configuration pages and what their forms share.

Its views live in `settings` (settings and secret keys), `segments` (segments and their live count) and
`features` (features, journey rules and the funnel), each adding its routes to `bp`. A form that fails
is shown again with the user's input and the reasons next to the fields; a form that succeeds redirects
(303) with a flash message.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, url_for
from marshmallow import ValidationError

from ...errors import ApiError
from ...schemas.features import KEY
from ..frame import render_page, ui_blueprint

bp = ui_blueprint("ui_config")


@bp.url_value_preprocessor
def _possible_keys_only(endpoint, values):
    """A segment or feature key no row can have is no page, and never reaches the database."""
    if values and "key" in values and not KEY.regex.fullmatch(values["key"]):
        abort(404)


def flat_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested messages as {"rules.conditions.0.value": ["..."]}; schema-wide ones under "_schema"."""
    if isinstance(messages, dict):
        out: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = "_schema" if key == "_schema" and not prefix else f"{prefix}.{key}" if prefix else str(key)
            out.update(flat_errors(value, name))
        return out
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": messages}
    if isinstance(messages, list):
        return {k: v for i, m in enumerate(messages) for k, v in flat_errors(m, f"{prefix}.{i}").items()}
    return {prefix or "_schema": [str(messages)]}


def failure(error: Exception) -> tuple[str, dict[str, list[str]], int]:
    """What a failed form shows: a sentence, the reasons per field, and the page's status."""
    if isinstance(error, ValidationError):
        return "Nothing was saved: check the fields marked below.", flat_errors(error.normalized_messages()), 422
    assert isinstance(error, ApiError)
    return f"Nothing was saved: {error.message}", flat_errors(error.errors or {}), error.status_code


_STEP = re.compile(r"conditions\.(\d+)")


def error_label(name: str) -> str:
    """A rule's path as people read it: rules.conditions.1.conditions.0.value -> "Rule 2.1 › value"."""
    numbers = [str(int(n) + 1) for n in _STEP.findall(name)]
    if not numbers:
        return ""  # a field's own errors sit next to it; list items (origins) quote themselves
    rest = _STEP.sub("", name).replace("rules", "").strip(".").replace("..", ".").replace(".", " › ")
    return f"Rule {'.'.join(numbers)}" + (f" › {rest}" if rest else "")


def local_time(moment: datetime | None) -> str:
    """A time in the project's time zone, to the minute ("—" when there is none)."""
    if moment is None:
        return "—"
    zone = g.project.timezone if g.get("project") else "UTC"
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def page(template: str, status: int = 200, **context):
    """A configuration page with the helpers its templates use."""
    return render_page(template, local_time=local_time, error_label=error_label, **context), status


def saved(message: str, endpoint: str, **values):
    """After a successful form: tell the user, and go to a page they can reload safely."""
    flash(message)
    return redirect(url_for(endpoint, project_id=g.project.id, **values), 303)
