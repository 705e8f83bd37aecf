"""/sdk/*: the built browser files, gzipped once, with validators and cache headers."""
import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, current_app, request

from ..errors import NotFound

bp = Blueprint("sdk", __name__)

FILES = {"gapwise.js": ("sdk_js", "gapwise.min.js"), "snippet.js": ("sdk_js", "snippet.min.js"),
         "widgets.js": ("widgets", "widgets.min.js")}


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
    headers = {"ETag": etag, "Vary": "Accept-Encoding", "X-Gapwise-Version": found.version,
               "Access-Control-Allow-Origin": "*",
               "Cache-Control": "public, max-age=31536000, immutable" if versioned
               else "public, max-age=3600, stale-while-revalidate=86400"}
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
        if name not in FILES:
            raise NotFound("No such file.")
        folder, filename = FILES[name]
        path = Path(current_app.config["BROWSER_DIST_ROOT"]) / folder / "dist" / filename
        if not path.is_file():
            raise NotFound(f"{folder}/dist/{filename} has not been built.")
        body = path.read_bytes()
        cache[name] = Asset(body, gzip.compress(body, 9, mtime=0), hashlib.sha256(body).hexdigest()[:16])
    return cache[name]
