"""/api/v1/responses (secret key)."""
from flask import Blueprint

from ..auth import require_secret_key

bp = Blueprint("responses", __name__)
bp.before_request(require_secret_key)
