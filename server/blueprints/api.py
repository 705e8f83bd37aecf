"""The admin API under /api/v1; every route is scoped to the project of the secret key."""
from flask import Blueprint, g

from ..auth import require_secret_key
from ..openapi import doc
from ..schemas.projects import ProjectSchema

bp = Blueprint("api", __name__)
bp.before_request(require_secret_key)


@bp.get("/project")
@doc("The project of the key", response=ProjectSchema, tags=["project"])
def project():
    """The project the key belongs to."""
    return ProjectSchema().dump(g.project)
