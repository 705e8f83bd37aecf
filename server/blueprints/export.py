"""/api/v1/export (secret key)."""
from flask import Blueprint

from ..auth import require_secret_key

bp = Blueprint("export", __name__)
bp.before_request(require_secret_key)
