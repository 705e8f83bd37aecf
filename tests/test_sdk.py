"""/sdk/*: the built browser files, the paste-ready snippet, and the example app."""

import gzip
import re
from pathlib import Path

from click.testing import CliRunner

import gapwise
from gapwise.cli.main import main

DIST = Path(__file__).resolve().parent.parent / "sdk_js" / "dist"
WIDGETS = Path(__file__).resolve().parent.parent / "widgets" / "dist"


def test_the_tracker_is_served_gzipped_with_a_version_and_validators(client):
    response = client.get("/sdk/gapwise.js", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == (DIST / "gapwise.min.js").read_bytes()
    assert response.headers["Cache-Control"].startswith("public, max-age=3600")
    assert response.headers["Vary"] == "Accept-Encoding"
    version = response.headers["ETag"].strip('"')
    assert len(version) == 16 and response.headers["X-Gapwise-Version"] == gapwise.__version__
    revalidated = client.get("/sdk/gapwise.js", headers={"If-None-Match": response.headers["ETag"]})
    assert revalidated.status_code == 304 and revalidated.data == b""
    pinned = client.get(f"/sdk/gapwise.js?v={version}")
    assert pinned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert pinned.data == (DIST / "gapwise.min.js").read_bytes()  # no gzip unless asked


def test_unknown_sdk_files_are_404(client):
    response = client.get("/sdk/../../etc/passwd")
    assert response.status_code == 404
    assert client.get("/sdk/nothing.js").get_json()["code"] == "not_found"


def test_the_built_files_are_within_budget():
    assert len((DIST / "snippet.min.js").read_bytes()) <= 600
    assert len(gzip.compress((DIST / "gapwise.min.js").read_bytes(), 9)) <= 4096
    assert len(gzip.compress((WIDGETS / "widgets.min.js").read_bytes(), 9)) <= 8192


def test_the_widgets_are_served_beside_the_tracker(client):
    response = client.get("/sdk/widgets.js")
    assert response.status_code == 200 and response.data == (WIDGETS / "widgets.min.js").read_bytes()
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_project_snippet_prints_the_loader_and_init(app, project):
    env = {"GAPWISE_DATABASE_URL": app.config["DATABASE_URL"]}
    result = CliRunner().invoke(
        main, ["project", "snippet", str(project.id), "--host", "https://gw.example.com/"], env=env
    )
    assert result.exit_code == 0, result.output
    loader = (DIST / "snippet.min.js").read_text().strip()
    assert f"<script>{loader}</script>" in result.output
    assert f'gapwise.init("{project.write_key}", {{host: "https://gw.example.com"}});' in result.output


def test_the_example_app_is_wired_to_the_demo_project(app):
    from gapwise.db import db
    from gapwise.demo import seed as demo
    from tests.helpers import app_for_tests

    example_app = app_for_tests({**app.config, "SERVE_EXAMPLE": True})
    with example_app.app_context():
        write_key = demo.seed(db.session, people=2).write_key
    page = example_app.test_client().get("/example/reports")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'gapwise.init("{write_key}", {{host: "http://localhost"' in html
    assert (DIST / "snippet.min.js").read_text().strip() in html
    assert re.search(r'id="export-btn"', html)
    assert app.test_client().get("/example/").status_code == 404  # only when asked for
    example_app.extensions["gapwise.db"].engine.dispose()
