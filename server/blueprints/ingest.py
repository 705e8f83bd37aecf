"""POST /v1/batch: the one ingestion endpoint, for browsers and server-side senders."""
from flask import Blueprint, current_app, g, jsonify, request

from ..body import read_json_body
from ..db import db
from ..errors import BadRequest, Forbidden, Unauthorized
from ..models.base import utcnow
from ..services import ingest, keys

bp = Blueprint("ingest", __name__)


@bp.post("/batch")
def batch():
    received_at = utcnow()
    document = read_json_body(current_app.config["MAX_BODY_BYTES"])
    if not isinstance(document, dict):
        raise BadRequest("The body must be a JSON object with writeKey and batch.")
    write_key = document.get("writeKey")
    project = keys.project_for_write_key(write_key) if isinstance(write_key, str) and write_key else None
    if project is None:
        raise Unauthorized("Missing, unknown or revoked write key.")
    g.project_id = project.id
    if not project.allows_origin(request.headers.get("Origin")):
        g.cors_denied = True
        raise Forbidden("This origin is not allowed to send to the project.")
    envelope = ingest.parse_envelope(document)
    return jsonify(ingest.ingest_batch(db.session, project, envelope, received_at))


@bp.after_request
def cors(response):
    """Browsers may post from any origin unless the project lists its allowed origins."""
    origin = request.headers.get("Origin")
    if origin and not g.get("cors_denied"):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Content-Encoding, If-None-Match"
            response.headers["Access-Control-Max-Age"] = "86400"
        else:
            response.headers["Access-Control-Expose-Headers"] = "Retry-After, ETag"
    return response
