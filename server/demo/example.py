"""/example/: the example SaaS app from examples/app, wired to the demo project (served by `make demo`)."""

import re
from pathlib import Path

from flask import Blueprint, Response, request
from sqlalchemy import select

from ..assets import loader_snippet
from ..db import db
from ..errors import BadRequest, NotFound
from ..models import Project
from .seed import DEMO_NAME

bp = Blueprint("example", __name__)
# The example app is not packaged: it is served from a source checkout only.
EXAMPLE_PAGE = Path(__file__).resolve().parents[2] / "examples" / "app" / "index.html"
_HOST = re.compile(r"https?://[A-Za-z0-9.\[\]:-]+")  # it goes into a script: nothing that could end a string


@bp.get("/example/")
@bp.get("/example/<path:_route>")
def example(_route=None):
    write_key = db.session.scalar(select(Project.write_key).where(Project.name == DEMO_NAME))
    if write_key is None or not EXAMPLE_PAGE.is_file():
        raise NotFound("The example app needs the demo project (`gapwise demo`) and a source checkout.")
    host = request.host_url.rstrip("/")
    if not _HOST.fullmatch(host):
        raise BadRequest("Unexpected Host header.")
    html = (
        EXAMPLE_PAGE.read_text()
        .replace("{{SNIPPET}}", loader_snippet())
        .replace("{{WRITE_KEY}}", write_key)
        .replace("{{HOST}}", host)
    )
    return Response(html, mimetype="text/html")
