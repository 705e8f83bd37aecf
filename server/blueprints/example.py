"""/example/: the example SaaS app from examples/app, wired to the demo project (served by `make demo`)."""
import re
from pathlib import Path

from flask import Blueprint, Response, current_app, request
from sqlalchemy import select

from ..db import db
from ..errors import BadRequest, NotFound
from ..models import Project
from ..services.demo import DEMO_NAME

bp = Blueprint("example", __name__)
_HOST = re.compile(r"https?://[A-Za-z0-9.\[\]:-]+")  # it goes into a script: nothing that could end a string


@bp.get("/example/")
@bp.get("/example/<path:_route>")
def example(_route=None):
    root = Path(current_app.config["BROWSER_DIST_ROOT"])
    page, snippet = root / "examples" / "app" / "index.html", root / "sdk_js" / "dist" / "snippet.min.js"
    write_key = db.session.scalar(select(Project.write_key).where(Project.name == DEMO_NAME))
    if write_key is None or not page.is_file() or not snippet.is_file():
        raise NotFound("The example app needs the demo project (`gapwise demo`) and a source checkout.")
    host = request.host_url.rstrip("/")
    if not _HOST.fullmatch(host):
        raise BadRequest("Unexpected Host header.")
    html = (page.read_text().replace("{{SNIPPET}}", snippet.read_text().strip())
            .replace("{{WRITE_KEY}}", write_key).replace("{{HOST}}", host))
    return Response(html, mimetype="text/html")
