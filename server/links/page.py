"""What a survey link's page is wrapped in: its colours from the survey's appearance, and its headers."""

import re

from flask import g

THEMES = {"light": ("#ffffff", "#111827"), "dark": ("#1f2937", "#f3f4f6")}
# Plain colours only, as the widgets take them: nothing that could close the <style> or make the page fetch.
_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-z]{3,20}")


def _color(value, fallback: str) -> str:
    return value if isinstance(value, str) and _COLOR.fullmatch(value) else fallback


def appearance_css(appearance: dict | None) -> dict:
    """The page's background and text colours: the survey's own, else its theme's."""
    appearance = appearance or {}
    colors = appearance.get("colors") or {}
    background, text = THEMES.get(str(appearance.get("theme")), THEMES["light"])
    return {"background": _color(colors.get("background"), background), "text": _color(colors.get("text"), text)}


def security_headers(response):
    """A strict CSP (scripts and styles by this request's nonce, requests to this server only), no indexing,
    no framing, no referrer: a link's URL may carry a signed user id."""
    nonce = g.get("csp_nonce", "")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; "
        "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
