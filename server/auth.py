"""Secret-key authentication for the admin API: one guard, every /api/v1 route behind it."""
from flask import g, request

from .db import db
from .errors import Unauthorized
from .services.keys import project_for_secret_key


def require_secret_key() -> None:
    """Resolve `Authorization: Bearer sk_…` to its project, or answer 401 without saying which part was wrong."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    project = project_for_secret_key(db.session, token.strip()) if scheme.lower() == "bearer" else None
    if project is None:
        raise Unauthorized("A valid secret key is required: Authorization: Bearer sk_…",
                           headers={"WWW-Authenticate": 'Bearer realm="gapwise"'})
    g.project = project
    g.project_id = project.id
