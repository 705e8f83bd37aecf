"""The OpenAPI document: well formed, complete (every /api/v1 rule), and true (schemathesis fuzzes each operation).

The fuzzing runs in-process over WSGI against a seeded project, once per database, with a bounded number of
examples per operation: positive cases (some on the seeded rows' own ids and keys) and negative ones.
"""

import re
from collections import Counter

import jsonschema_rs
import pytest
import schemathesis
from flask import Blueprint
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gapwise import create_app
from gapwise.api.openapi import build_spec, doc
from tests.helpers import BACKENDS, Batches, ProjectKeys, app_for_tests, database_url
from tests.test_api_isolation import path_values, seed

ERRORS = {"400", "401", "404", "405", "409", "413", "415", "422", "503"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
POSITIVE_EXAMPLES, NEGATIVE_EXAMPLES = 12, 6


def documented_operations() -> list:
    """(method, path) of every operation, writes before deletes and revoking keys last (it may cut the key off)."""
    document = build_spec(create_app({"DATABASE_URL": "sqlite://"}))
    found = [(method.upper(), path) for path, item in document["paths"].items() for method in item]
    found.sort(key=lambda op: (op[0] == "DELETE", op[1] == "/api/v1/keys/{key_id}", op[1], op[0]))
    return [pytest.param(method, path, id=f"{method} {path}") for method, path in found]


@pytest.fixture
def bare_app():
    """An app that is never asked for data: the document and the docs page need no database."""
    return create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})


@pytest.fixture
def document(bare_app):
    return build_spec(bare_app)


def operations_of(document):
    return [(path, method, op) for path, item in document["paths"].items() for method, op in item.items()]


def test_the_document_is_openapi_3_1_with_the_bearer_scheme_and_the_error_shape(document):
    assert document["openapi"] == "3.1.0" and document["info"]["title"] and document["info"]["version"]
    assert document["components"]["securitySchemes"]["secretKey"] == {
        **document["components"]["securitySchemes"]["secretKey"],
        "type": "http",
        "scheme": "bearer",
    }
    assert document["security"] == [{"secretKey": []}]
    error = document["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "status", "message", "errors"}
    assert set(error["required"]) == {"code", "status", "message"}


def test_every_schema_is_valid_json_schema_and_every_reference_resolves(document):
    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        assert jsonschema_rs.meta.is_valid(schema), name
    text = repr(document)
    assert set(re.findall(r"#/components/schemas/(\w+)", text)) <= set(schemas)


def test_operations_are_named_once_and_answer_errors_in_the_one_shape(document):
    ids = [op["operationId"] for _, _, op in operations_of(document)]
    assert len(ids) == len(set(ids))
    for path, method, op in operations_of(document):
        label = f"{method.upper()} {path}"
        if op.get("x-undocumented"):
            continue  # test_every_api_rule_is_documented names it
        assert op["summary"] and op["responses"], label
        assert [s for s in op["responses"] if s.startswith("2")], label
        for status, answer in op["responses"].items():
            if status in ERRORS:
                assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        public = op.get("security") == []
        assert public == (path in ("/api/v1/openapi.json", "/api/v1/docs")), label
        assert public or "401" in op["responses"], label
        assert set(re.findall(r"{(\w+)}", path)) == {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}


@pytest.mark.parametrize("method, path", documented_operations())
def test_every_api_rule_is_documented(document, method, path):
    operation = document["paths"][path][method.lower()]
    assert "x-undocumented" not in operation, f"add @doc(...) from server.openapi to the view {operation['summary']}"


def test_the_document_and_the_docs_page_are_public_and_agree(bare_app):
    client = bare_app.test_client()
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200 and served.get_json()["paths"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert not re.search(r"<script|<link|<iframe|\ssrc=", html)  # text and inline CSS only: nothing loads
    for path in served.get_json()["paths"]:
        assert path in html
    for name in served.get_json()["components"]["schemas"]:
        assert f'id="schema-{name}"' in html


def test_the_docs_page_escapes_what_it_shows(bare_app):
    bp = Blueprint("hostile", __name__)

    @bp.get("/api/v1/hostile")
    @doc('<img src=x onerror="alert(1)">')
    def hostile():
        """<script>alert(2)</script>"""

    bare_app.register_blueprint(bp)
    html = bare_app.test_client().get("/api/v1/docs").get_data(as_text=True)
    assert "<img src=x" not in html and "<script>alert" not in html
    assert "&lt;img src=x onerror=" in html and "&lt;script&gt;alert(2)" in html


# --- schemathesis -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def fuzzed(request, tmp_path_factory):
    """One seeded project per database for every operation of this module, and its schemathesis schema."""
    url = database_url(request, request.param, tmp_path_factory.mktemp("fuzz"))
    app = app_for_tests({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test", "DB_TIMEOUT_MS": 2000})
    project = ProjectKeys(app)
    client = app.test_client()
    seeded = seed(app, client, Batches(app, client, project), project)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app), project, seeded
    app.extensions["gapwise.db"].sessions.remove()
    app.extensions["gapwise.db"].engine.dispose()


@pytest.mark.parametrize("method, path", documented_operations())
def test_schemathesis_finds_no_server_error_and_no_broken_promise(fuzzed, method, path):
    schema, project, seeded = fuzzed
    operation = schema[path][method]
    headers = {"Authorization": f"Bearer {project.secret_key}"}
    strategies = [
        operation.as_strategy(headers=headers),
        operation.as_strategy(headers=headers, path_parameters=path_values(path, seeded)),
    ]
    if operation.path_parameters or operation.query or operation.body:
        strategies.append(operation.as_strategy(headers=headers, generation_mode=GenerationMode.NEGATIVE))
    statuses = Counter()

    @settings(
        max_examples=POSITIVE_EXAMPLES * 2 + NEGATIVE_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(case=st.one_of(strategies))
    def exercise(case):
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    exercise()
    print(f"{method} {path}: {sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))}")
    assert not [status for status in statuses if status >= 500]
