"""GET /healthz: is the process up and the database reachable, and which version answers."""

from flask import Blueprint
from sqlalchemy import text

from ..db import db
from ..version import __version__

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__}
