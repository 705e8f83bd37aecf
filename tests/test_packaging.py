"""The wheel and deploy/container.sh: what the Dockerfile builds, installs and starts, checked without Docker.

The wheel is built from a copy of the paths .dockerignore lets in (what the image's build stage receives),
installed by `container.sh install` into a venv outside the checkout and served by `container.sh start`.
"""

import contextlib
import html
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from gapwise.config import DEV_SECRET_KEY
from gapwise.version import __version__
from tests.helpers import free_port, running

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = str(ROOT / "deploy" / "container.sh")
SDK_FILES = {
    "/sdk/snippet.js": ROOT / "sdk_js/dist/snippet.min.js",
    "/sdk/gapwise.js": ROOT / "sdk_js/dist/gapwise.min.js",
    "/sdk/widgets.js": ROOT / "widgets/dist/widgets.min.js",
}
# Folders the wheel must carry files in, besides the modules.
DATA_FOLDERS = [
    "gapwise/browser/sdk_js/",
    "gapwise/browser/widgets/",
    "gapwise/dashboard/static/",
    "gapwise/dashboard/templates/",
    "gapwise/api/templates/",
    "gapwise/migrations/versions/",
]


def run(command: list, check: bool = True, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """Run a command to its end (bounded), its output kept as text; with `check`, fail showing that output."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and done.returncode != 0:
        pytest.fail(f"{command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def docker_context(dest: Path) -> Path:
    """Copy the paths .dockerignore lets in (its `!` lines), symlinks kept as links, as `COPY . .` does."""
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        if line.startswith("!"):
            source, target = ROOT / line[1:], dest / line[1:]
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(source, target)
    return dest


def server_files(root: Path) -> dict[str, Path]:
    """Every file of root/server/ (through the browser/ links) by its name in the wheel, caches left out."""
    found = {}
    for folder, dirs, names in os.walk(root / "server", followlinks=True):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in names:
            if not name.endswith(".pyc"):
                path = Path(folder, name)
                found["gapwise/" + path.relative_to(root / "server").as_posix()] = path
    return found


def size_mb(path: Path) -> float:
    """Bytes of the files under `path` (links not followed), in MB."""
    total = sum(f.lstat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())
    return total / 1e6


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The wheel built as the Dockerfile's build stage builds it, from a copy of its build context."""
    tmp = tmp_path_factory.mktemp("packaging")
    context = docker_context(tmp / "context")
    assert (context / "server/browser/sdk_js").is_symlink(), "the copy should keep the links the wheel resolves"
    started = time.monotonic()
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "--quiet"]
    run([*pip_wheel, "--wheel-dir", str(tmp / "wheels"), str(context)], timeout=300)
    (wheel,) = (tmp / "wheels").glob("gapwise-*.whl")
    print(f"\nwheel built in {time.monotonic() - started:.0f} s: {wheel.name}, {wheel.stat().st_size / 1e3:.0f} kB")
    return SimpleNamespace(tmp=tmp, context=context, wheel=wheel)


@pytest.fixture(scope="module")
def installed(built):
    """That wheel installed without extras by `container.sh install`, into a venv outside the checkout."""
    # A clean environment: no settings or import paths of the one running the tests.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GAPWISE_", "PYTHON", "VIRTUAL_ENV"))}
    # PYTHON: the interpreter the venv is made from; an empty PIP_NO_CACHE_DIR lets pip reuse its cache.
    env.update(GAPWISE_VENV=str(built.tmp / "venv"), PYTHON=sys.executable, PIP_NO_CACHE_DIR="")
    started = time.monotonic()
    run([SCRIPT, "install", str(built.wheel)], env=env, timeout=600)
    print(f"installed in {time.monotonic() - started:.0f} s")
    return SimpleNamespace(wheel=built.wheel, venv=built.tmp / "venv", env=env)


def test_the_wheel_carries_every_file_of_the_package_and_nothing_else(built):
    with zipfile.ZipFile(built.wheel) as wheel:
        contents = {name: wheel.read(name) for name in wheel.namelist() if not name.endswith("/")}
    tops = {name.split("/")[0] for name in contents}
    assert tops == {"gapwise", f"gapwise-{__version__}.dist-info"}, "nothing named `server` may be installed"

    # Compared with the copy it was built from: the checkout may change while the tests run.
    expected = server_files(built.context)
    packaged = {name for name in contents if name.startswith("gapwise/")}
    missing, extra = sorted(expected.keys() - packaged), sorted(packaged - expected.keys())
    # A missing module: its folder is not in pyproject's `packages`; a missing data file: no package-data pattern.
    assert not missing, f"server/ files the wheel leaves out: {missing}"
    assert not extra, f"wheel files that server/ does not have (a stale build/?): {extra}"
    changed = [name for name, path in expected.items() if contents[name] != path.read_bytes()]
    assert not changed, f"wheel files whose bytes differ from server/: {changed}"

    # The browser bundles are the built files themselves, not links back into the checkout.
    for dist in SDK_FILES.values():  # sdk_js/dist/x.js is gapwise/browser/sdk_js/x.js
        assert contents[f"gapwise/browser/{dist.parent.parent.name}/{dist.name}"] == dist.read_bytes()
    for folder in DATA_FOLDERS:
        assert any(name.startswith(folder) for name in contents), f"no file under {folder}"


@contextlib.contextmanager
def started(env: dict, cwd: Path, log: Path):
    """`container.sh start` in its own process group; yields its base URL once /healthz answers 200."""
    base = f"http://{env['GAPWISE_HOST']}:{env['GAPWISE_PORT']}"
    with open(log, "wb") as output:
        # exec makes gunicorn's arbiter the script's own process; its workers share the group.
        with running([SCRIPT, "start"], base, env, log=output, cwd=cwd, limit=60):
            yield base


def test_container_script_installs_and_serves_the_wheel_outside_the_checkout(installed, tmp_path):
    venv, python, gapwise = installed.venv, str(installed.venv / "bin/python"), str(installed.venv / "bin/gapwise")

    # From a folder outside the checkout the package is `gapwise`, and only that.
    run([python, "-c", "import gapwise"], cwd=tmp_path)
    for absent in ("server", "pyarrow"):  # pyarrow comes only with the parquet extra
        imported = run([python, "-c", f"import {absent}"], check=False, cwd=tmp_path)
        assert f"ModuleNotFoundError: No module named '{absent}'" in imported.stderr
    assert run([gapwise, "--version"], cwd=tmp_path).stdout.strip() == f"gapwise, version {__version__}"

    (site,) = venv.glob("lib/python3*/site-packages")
    sizes = {entry.name: size_mb(entry) for entry in site.iterdir() if entry.is_dir()}
    largest = ", ".join(f"{name} {mb:.1f}" for name, mb in sorted(sizes.items(), key=lambda s: -s[1])[:6])
    print(f"default install: site-packages {size_mb(site):.1f} MB, gapwise {sizes['gapwise']:.2f} MB")
    print(f"largest folders (MB): {largest}")

    env = {
        **installed.env,
        "GAPWISE_DATABASE_URL": f"sqlite:///{tmp_path / 'gapwise.db'}",
        "GAPWISE_HOST": "127.0.0.1",
        "GAPWISE_PORT": str(free_port()),
        "GAPWISE_SECRET_KEY": "a-test-secret-that-is-not-the-default",
        # Plain HTTP on 127.0.0.1: a Secure cookie would not come back.
        "GAPWISE_SESSION_COOKIE_SECURE": "false",
        "GAPWISE_REMEMBER_COOKIE_SECURE": "false",
    }
    with started(env, tmp_path, tmp_path / "serve.log") as base:
        created = run([gapwise, "project", "create", "x"], env=env, cwd=tmp_path).stdout
        project_id = re.search(r"\(id (\d+)\)", created).group(1)
        write_key = re.search(r"write key: (pk_\S+)", created).group(1)
        password = "correct horse battery staple"
        user = ["user", "create", "owner@example.com", "--password", password, "--project", project_id]
        run([gapwise, *user, "--role", "owner"], env=env, cwd=tmp_path)

        for url, dist in SDK_FILES.items():
            response = requests.get(base + url, timeout=10)
            assert response.status_code == 200 and response.content == dist.read_bytes(), url
        static = ROOT / "server/dashboard/static/ui/ui.css"
        response = requests.get(f"{base}/static/ui/ui.css", timeout=10)
        assert response.status_code == 200 and response.content == static.read_bytes()

        snippet = run([gapwise, "project", "snippet", project_id, "--host", base], env=env, cwd=tmp_path).stdout
        assert write_key in snippet and SDK_FILES["/sdk/snippet.js"].read_text().strip() in snippet
        with requests.Session() as session:
            form = session.get(f"{base}/app/login", timeout=10).text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
            credentials = {"csrf_token": token, "email": "owner@example.com", "password": password}
            signed_in = session.post(f"{base}/app/login", data=credentials, allow_redirects=False, timeout=10)
            assert signed_in.status_code in (302, 303), signed_in.text
            settings = session.get(f"{base}/app/p/{project_id}/settings", timeout=10)
        assert settings.status_code == 200
        # The page shows the key and the same snippet as the CLI (escaped in a <textarea>).
        assert write_key in settings.text and snippet.strip() in html.unescape(settings.text)

    # No key, or the built-in development key: the script refuses before it touches the database.
    untouched = tmp_path / "untouched.db"
    keyless = {k: v for k, v in env.items() if k != "GAPWISE_SECRET_KEY"}
    keyless["GAPWISE_DATABASE_URL"] = f"sqlite:///{untouched}"
    for unsafe in (keyless, {**keyless, "GAPWISE_SECRET_KEY": DEV_SECRET_KEY}):
        refused = run([SCRIPT, "start"], check=False, env=unsafe, cwd=tmp_path, timeout=60)
        assert refused.returncode != 0 and "GAPWISE_SECRET_KEY" in refused.stderr
        assert not untouched.exists(), "container.sh should refuse before `gapwise db upgrade`"

    # The image's install line: the same wheel with the redis extra.
    run([SCRIPT, "install", str(installed.wheel), "redis"], env=installed.env, timeout=300)
    run([python, "-c", "import redis"], cwd=tmp_path)
