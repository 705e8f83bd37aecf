"""The floor plan holds: no import cycles, each layer imports only those below it, and the packaging lists
every package of server/ (installed as `gapwise`)."""

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "server"
# What each top-level part of the package may import from the package (besides itself and these).
BASE = {"gapwise.config", "gapwise.db", "gapwise.errors", "gapwise.formats", "gapwise.version", "gapwise.assets"}
ALLOWED = {
    "models": {"models"},
    "schemas": {"schemas", "models"},
    "core": {"core", "schemas", "models"},
    "http": {"http", "core", "schemas", "models"},
    "ops": {"ops", "core", "models"},
    "tracker": {"tracker", "http", "core", "schemas", "models", "ops"},
    "api": {"api", "http", "core", "schemas", "models"},
    "dashboard": {"dashboard", "core", "schemas", "models", "api", "http"},
    "links": {"links", "core", "schemas", "models", "http"},
    "demo": {"demo", "core", "schemas", "models"},
    "cli": {"cli", "core", "schemas", "models", "demo", "ops", "wsgi", "gapwise"},
}


def module_name(path: Path) -> str:
    parts = ["gapwise", *path.relative_to(SERVER).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in SERVER.rglob("*.py") if "migrations" not in p.parts}


def imports_of(name: str) -> set[str]:
    """The package's modules `name` imports, anywhere in it (a lazy import inside a function counts too)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in MODULES}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in MODULES else base)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: imports_of(name) for name in MODULES}


def cycles() -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, groups, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return groups


def test_there_is_no_import_cycle():
    assert cycles() == []


def test_the_cycle_finder_finds_one(monkeypatch):
    """The check above would see a cycle: two modules importing each other are one group."""
    monkeypatch.setitem(
        GRAPH, "gapwise.schemas.fields", GRAPH["gapwise.schemas.fields"] | {"gapwise.core.surveys.definitions"}
    )
    assert any("gapwise.schemas.fields" in group for group in cycles())


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_each_part_imports_only_the_layers_below_it(part):
    wrong = {}
    for name, targets in GRAPH.items():
        if name.split(".")[1:2] != [part]:
            continue
        for target in targets - BASE:
            top = target.split(".")[1] if target.count(".") else "gapwise"
            if top not in ALLOWED[part]:
                wrong.setdefault(name, []).append(target)
    assert wrong == {}


def test_the_packaging_lists_every_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"] == {"gapwise": "server"}
    packages = {
        module_name(p.parent / "__init__.py") for p in SERVER.rglob("__init__.py") if "migrations" not in p.parts
    }
    listed = set(config["packages"])
    assert packages <= listed  # every code package is installed
    for name in listed - packages:  # the rest are folders of data, which must exist
        assert (SERVER / Path(*name.split(".")[1:])).is_dir(), name


def test_a_run_without_browser_tests_never_imports_playwright(tmp_path):
    """Browser fixtures live in tests/browser/conftest.py: collecting every other test leaves Playwright out."""
    probe = (
        "import sys, pytest\n"
        "code = pytest.main(['--collect-only', '-q', '-p', 'no:cacheprovider', '--ignore=tests/browser', 'tests'])\n"
        "print('playwright loaded:', 'playwright' in sys.modules, 'exit:', int(code))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "playwright loaded: False exit: 0" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
