"""The admin and export API under /api/v1: one parent blueprint holds the secret-key guard, the rate limit
and the body cap; each resource is a module with its own blueprint, nested here.

Every route is scoped to the project of the secret key (`g.project_id`). The OpenAPI document and its
page (`docs`) are registered beside it, without the key guard.
"""

from flask import Blueprint, current_app, request

from ..http.auth import require_secret_key
from ..http.ratelimit import limit_api
from . import (
    accounts,
    export,
    features,
    gaps,
    journey,
    keys,
    nudges,
    people,
    project,
    responses,
    scores,
    segments,
    surveys,
    webhooks,
)

bp = Blueprint("api", __name__)


@bp.before_request
def _guard() -> None:
    """Count the request against its key (429 first, so guessing keys is throttled too), then check the key."""
    limit_api()
    require_secret_key()
    # A body past the admin cap is refused (413) before anything reads it.
    request.max_content_length = current_app.config["ADMIN_MAX_BODY_BYTES"]


for child, prefix in (
    (project, ""),
    (journey, ""),
    (gaps, ""),
    (features, "/features"),
    (segments, "/segments"),
    (surveys, "/surveys"),
    (scores, "/scores"),
    (people, "/people"),
    (accounts, "/accounts"),
    (responses, "/responses"),
    (keys, "/keys"),
    (export, "/export"),
    (webhooks, "/webhooks"),
    (nudges, "/nudges"),
):
    bp.register_blueprint(child.bp, url_prefix=prefix)
