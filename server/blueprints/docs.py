"""/api/v1/docs (secret key)."""
from flask import Blueprint

from ..auth import require_secret_key

bp = Blueprint("docs", __name__)
bp.before_request(require_secret_key)
