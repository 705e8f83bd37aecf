"""/api/v1/accounts (secret key)."""
from flask import Blueprint

from ..auth import require_secret_key

bp = Blueprint("accounts", __name__)
bp.before_request(require_secret_key)
