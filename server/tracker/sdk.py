"""/sdk/*: the built browser files, gzipped once, with validators and cache headers."""

import gzip
import hashlib
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, request

from ..assets import BROWSER_FILES, AssetMissing, browser_file
from ..errors import NotFound

bp = Blueprint("sdk", __name__)


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    version: str


@bp.get("/sdk/<name>")
def asset(name):
    found = _load(name)
    etag = f'"{found.version}"'
    # A URL naming the current version never changes; the plain URL is revalidated hourly.
    versioned = request.args.get("v") == found.version
    headers = {
        "ETag": etag,
        "Vary": "Accept-Encoding",
        "Access-Control-Allow-Origin": "*",
        "Cache-Control": "public, max-age=31536000, immutable"
        if versioned
        else "public, max-age=3600, stale-while-revalidate=86400",
    }
    if etag in request.headers.get("If-None-Match", ""):
        return Response(status=304, headers=headers)
    response = Response(found.body, mimetype="application/javascript", headers=headers)
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response.set_data(found.gzipped)
        response.headers["Content-Encoding"] = "gzip"
    return response


def _load(name: str) -> Asset:
    cache = current_app.extensions.setdefault("gapwise.sdk_assets", {})
    if name not in cache:
        if name not in BROWSER_FILES:
            raise NotFound("No such file.")
        try:
            body = browser_file(name)
        except AssetMissing as missing:
            raise NotFound(str(missing)) from None
        cache[name] = Asset(body, gzip.compress(body, 9, mtime=0), hashlib.sha256(body).hexdigest()[:16])
    return cache[name]
