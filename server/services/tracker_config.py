"""What GET /v1/config tells the tracker: tagged features and settings (surveys come with targeting)."""
import orjson
from sqlalchemy import select

from ..db import db
from ..models import Feature
from . import config_cache
from .config_cache import CachedDocument


def config_for(project_id: int) -> CachedDocument:
    """The config document for a project, served from the per-project cache."""
    return config_cache.get(project_id, lambda: _build(project_id))


def _build(project_id: int) -> bytes:
    rows = db.session.execute(
        select(Feature.key, Feature.selector, Feature.event)
        .where(Feature.project_id == project_id).order_by(Feature.key)
    )
    features = [{"key": r.key, "selector": r.selector, "event": r.event} for r in rows]
    db.session.rollback()  # read-only: end the transaction before the response is written
    return orjson.dumps({"features": features, "surveys": [], "settings": {}})
