"""/api/v1/keys (secret key)."""
from flask import Blueprint

from ..auth import require_secret_key

bp = Blueprint("keys", __name__)
bp.before_request(require_secret_key)
