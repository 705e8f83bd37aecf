"""GET /healthz: is the process up and the database reachable, which version answers, and how many
records the ingest log holds that the writer has not stored yet."""

from flask import Blueprint
from sqlalchemy import text

from ..core.ingest.log import ingest_log
from ..db import db
from ..version import __version__

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    log = ingest_log()
    return {"status": "ok", "version": __version__, "ingest": {"log": log.name, "pending": log.pending(db.session)}}
