"""GET /healthz: is the process up and the database reachable."""

from flask import Blueprint
from sqlalchemy import text

from gapwise.db import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
