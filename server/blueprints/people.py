"""/api/v1/people (secret key)."""
from flask import Blueprint

from ..auth import require_secret_key

bp = Blueprint("people", __name__)
bp.before_request(require_secret_key)
