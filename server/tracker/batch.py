"""POST /v1/batch: the one ingestion endpoint, for browsers and server-side senders."""

from flask import Blueprint, current_app, jsonify

from ..core.ingest import batch as ingest
from ..db import db
from ..errors import BadRequest
from ..http.auth import require_write_key
from ..http.body import read_json_body
from ..http.cors import add_cors_headers
from ..http.ratelimit import limit_batch
from ..models.base import utcnow
from ..ops.metrics import count_batch

bp = Blueprint("ingest", __name__)
bp.after_request(add_cors_headers)


@bp.post("/batch")
def batch():
    received_at = utcnow()
    document = read_json_body(current_app.config["MAX_BODY_BYTES"])
    limit_batch(document.get("writeKey") if isinstance(document, dict) else None)
    if not isinstance(document, dict):
        raise BadRequest("The body must be a JSON object with writeKey and batch.")
    project = require_write_key(document.get("writeKey"))
    envelope = ingest.parse_envelope(document)
    answer = ingest.ingest_batch(db.session, project, envelope, received_at)
    count_batch(answer)
    return jsonify(answer)
