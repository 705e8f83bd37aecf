"""/api/v1/webhooks (secret key)."""
from flask import Blueprint

from ..auth import require_secret_key

bp = Blueprint("webhooks", __name__)
bp.before_request(require_secret_key)
