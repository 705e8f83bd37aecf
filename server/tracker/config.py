"""GET /v1/config: what the tracker should do for this browser's person now (features, settings, surveys and
nudges due).

The write key is public: the person is the one the anonymousId belongs to, never one a userId alone names.
"""

from flask import Blueprint, Response, request

from ..core.surveys import tracker_config
from ..db import db
from ..http.auth import require_write_key
from ..http.cors import add_cors_headers
from ..http.ratelimit import limit_config
from ..schemas.config import ConfigQuerySchema

bp = Blueprint("config", __name__)
bp.before_request(limit_config)
bp.after_request(add_cors_headers)
_query = ConfigQuerySchema()


@bp.get("/config")
def config():
    args = _query.load(request.args)
    project = require_write_key(args["writeKey"])
    doc = tracker_config.document_for(db.session, project.id, args["anonymousId"], args["userId"], args["locale"])
    headers = {"ETag": doc.etag, "Cache-Control": "private, no-cache"}
    if doc.etag in request.headers.get("If-None-Match", ""):
        return Response(status=304, headers=headers)
    return Response(doc.body, mimetype="application/json", headers=headers)
