"""/api/v1/project: the project of the secret key."""

from flask import Blueprint, g

from ..schemas.projects import ProjectSchema
from .openapi import doc

bp = Blueprint("project", __name__)


@bp.get("/project")
@doc("The project of the key", response=ProjectSchema, tags=["project"])
def project():
    """The project the key belongs to."""
    return ProjectSchema().dump(g.project)
