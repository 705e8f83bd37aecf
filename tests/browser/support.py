"""Browser test support: Debian's Chromium through Playwright, and a host site on its own origin."""

import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = Path(__file__).resolve().parent / "pages"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class _PageHandler(SimpleHTTPRequestHandler):
    """Serves tests/browser/pages with the snippet, write key and Gapwise host filled in."""

    def __init__(self, *args, values: dict, **kwargs):
        self.values = values
        super().__init__(*args, directory=str(PAGES), **kwargs)

    def do_GET(self):
        path = self.path.split("?")[0].lstrip("/") or "basic.html"
        file = PAGES / path
        if not file.is_file():
            # SPA routes fall back to the page that owns them (e.g. /spa/reports -> spa.html).
            file = PAGES / (path.split("/")[0] + ".html")
        if not file.is_file():
            self.send_error(404)
            return
        body = file.read_text()
        for name, value in self.values.items():
            body = body.replace("{{" + name + "}}", value)
        data = body.encode()
        self.send_response(200)
        if file.name.startswith("csp"):
            # A strict policy: scripts only with the page's nonce, no inline styles.
            self.send_header(
                "Content-Security-Policy",
                "default-src 'none'; script-src 'nonce-gw-test-nonce'; "
                f"connect-src {self.values['HOST']}; style-src 'self'",
            )
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class HostSite:
    """A customer's web app on its own origin, embedding the Gapwise snippet."""

    def __init__(self, gapwise_host: str, write_key: str):
        snippet = (ROOT / "sdk_js" / "dist" / "snippet.min.js").read_text()
        values = {"SNIPPET": snippet, "HOST": gapwise_host, "WRITE_KEY": write_key}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_PageHandler, values=values))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def wait_for(predicate, timeout=10.0, interval=0.1, page=None):
    """Poll until predicate() is truthy; return its value or fail after timeout.

    With a page, waiting goes through Playwright, so its route handlers and events keep running.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        if page is not None:
            page.wait_for_timeout(interval * 1000)
        else:
            time.sleep(interval)
