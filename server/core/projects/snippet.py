"""The paste-ready snippet for a project: the loader, then init with its write key and host."""

from ...assets import loader_snippet


def snippet_html(write_key: str, host: str) -> str:
    """Two script tags to paste into every page of the tracked app, before other scripts."""
    host = host.rstrip("/")
    return f'<script>{loader_snippet()}</script>\n<script>gapwise.init("{write_key}", {{host: "{host}"}});</script>'
