"""CORS for the browser-facing endpoints (/v1/*): any origin may call unless its project restricts origins."""

from flask import g, request


def add_cors_headers(response):
    """Echo the caller's origin, unless the view refused that origin (g.cors_denied)."""
    origin = request.headers.get("Origin")
    if origin and not g.get("cors_denied"):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers.add("Vary", "Origin")
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Content-Encoding, If-None-Match"
            response.headers["Access-Control-Max-Age"] = "86400"
        else:
            response.headers["Access-Control-Expose-Headers"] = "Retry-After, ETag"
    return response
