"""The paste-ready snippet for a project: the loader, then init with its write key and host."""
from pathlib import Path

from flask import current_app


def snippet_html(write_key: str, host: str) -> str:
    """Two script tags to paste into every page of the tracked app, before other scripts."""
    loader = Path(current_app.config["BROWSER_DIST_ROOT"]) / "sdk_js" / "dist" / "snippet.min.js"
    host = host.rstrip("/")
    return (f"<script>{loader.read_text().strip()}</script>\n"
            f'<script>gapwise.init("{write_key}", {{host: "{host}"}});</script>')
