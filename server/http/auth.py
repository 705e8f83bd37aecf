"""Key checks: write keys for the browser-facing /v1 endpoints, secret keys for the admin API."""

from flask import g, request

from ..core.projects.keys import ProjectRef, authenticate_secret_key, is_write_key_shaped, project_for_write_key
from ..db import db
from ..errors import Forbidden, Unauthorized


def require_write_key(write_key) -> ProjectRef:
    """The project of a write key, or 401; then 403 if the browser's origin is not one the project allows."""
    project = project_for_write_key(write_key) if is_write_key_shaped(write_key) else None
    if project is None:
        raise Unauthorized("Missing, unknown or revoked write key.")
    g.project_id = project.id
    if not project.allows_origin(request.headers.get("Origin")):
        g.cors_denied = True
        raise Forbidden("This origin is not allowed to send to the project.")
    return project


def require_secret_key() -> None:
    """Resolve `Authorization: Bearer sk_…` to its project, or answer 401 without saying which part was wrong.

    The key's last use is recorded on the way (at most once a minute per key).
    """
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    found = authenticate_secret_key(db.session, token.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        raise Unauthorized(
            "A valid secret key is required: Authorization: Bearer sk_…",
            headers={"WWW-Authenticate": 'Bearer realm="gapwise"'},
        )
    g.project, g.secret_key_id = found
    g.project_id = g.project.id
