"""The OpenAPI document of /api/v1, generated from the views' marshmallow schemas with apispec.

Declare a view's contract with `@doc`, next to the route decorator (either order works):

    from ..openapi import INT_ID, doc, list_of

    @bp.get(f"/<{INT_ID}:survey_id>")
    @doc("Get one survey", response=SurveyOutSchema, responses={404: "No such survey in this project."})
    def get_survey(survey_id): ...

    @bp.get("")
    @doc("List responses", query=ResponseQuerySchema, response=list_of("responses", ResponseOutSchema))
    def list_responses(): ...

`doc(summary, *, query=None, body=None, response=None, status=200, responses=None, tags=None,
media=None, public=False)`:

- `summary`: one line; the view's docstring becomes the operation's description.
- `query`: a Schema (class or instance) for the query string; each field becomes a parameter.
- `body`: a Schema for the JSON request body.
- `response`: a Schema for the success body (`Schema(many=True)` for a bare array); None means no
  body (use it with `status=204`) unless `media` is given.
- `status`: the one success status (200, 201, 204, ...).
- `responses`: extra error statuses, `{409: "Why it happens."}`; each answers with the `Error` shape.
  Added without asking: 401 (unless public), 404 (paths with parameters), 422 (query or body),
  400/413/415 (body), 429 (unless public), 503 (always).
- `tags`: defaults to the blueprint's name.
- `media`: the content types of the success body when it is not (only) JSON, e.g.
  `("text/csv", "application/x-ndjson", "application/vnd.apache.parquet")`. JSON types among them are
  described by `response` (any object without it); parquet and octet-stream as binary; others as text.
- `public`: the operation needs no secret key.

Route a row id with `ID` (a BigId column: people, accounts, responses, gaps) or `INT_ID` (an Integer column:
surveys, features, segments, webhooks, secret keys): `@bp.get(f"/<{INT_ID}:survey_id>")` answers 404 for an id
wider than its column instead of failing in the database (SQLite refuses numbers beyond 64 bits, PostgreSQL
beyond the column's type), and the document gives the parameter's range.

`list_of(key, item_schema, paginated=True)` is the schema of `{key: [item...], "nextCursor": str|null}`.
`build_spec(app)` returns the document as a dict (`cached_spec(app)`: built once per app). Every rule
under /api/v1 is in it, documented or not: an undocumented one is marked `x-undocumented: true`, which
tests/test_openapi.py refuses.
"""

import re
from functools import cache
from typing import Any, cast

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Flask
from marshmallow import Schema, fields
from werkzeug.routing import IntegerConverter, Rule
from werkzeug.routing.converters import NumberConverter

from ..schemas.fields import Identifier, JSONObject, Timestamp
from .openapi_tracker import add_tracker

PREFIX = "/api/v1"
ATTRIBUTE = "__openapi__"
ERROR_TEXT = {
    400: "The body is malformed: not JSON, or not a JSON object.",
    401: "Missing, unknown or revoked secret key.",
    404: "Nothing by that id or key in this project.",
    409: "Conflicts with the current state.",
    413: "The body is over the size limit.",
    415: "The body is not application/json (or text/plain), or its encoding is not gzip.",
    422: "The input is invalid; `errors` names each field that is wrong and why.",
    429: "Over the key's rate limit; retry after the Retry-After header's seconds.",
    503: "Storage is unavailable; retry after the Retry-After header's seconds.",
}
_BINARY_TYPES = ("application/vnd.apache.parquet", "application/octet-stream")
_ARG = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>")
# Route converters of row ids, `<{ID}:person_id>`, as wide as the id column (BigId: ID, Integer: INT_ID). A larger
# number is no route (404): the database would refuse to compare it with the column (a 500).
ID, INT_ID = f"int(min=1, max={2**63 - 1})", f"int(min=1, max={2**31 - 1})"


class ErrorSchema(Schema):
    """The one error shape of the API."""

    code = fields.String(
        required=True, metadata={"description": "A stable, machine-readable name: not_found, validation_error, …"}
    )
    status = fields.Integer(required=True, metadata={"description": "The HTTP status, repeated."})
    message = fields.String(required=True, metadata={"description": "A sentence for people."})
    errors = fields.Dict(metadata={"description": "Per-field messages, for 422 (and some 400) answers."})


def doc(
    summary: str,
    *,
    query=None,
    body=None,
    response=None,
    status: int = 200,
    responses: dict | None = None,
    tags=None,
    media=None,
    public: bool = False,
):
    """Attach OpenAPI metadata to a view function; the function itself is returned unchanged."""

    def attach(view):
        setattr(
            view,
            ATTRIBUTE,
            {
                "summary": summary,
                "query": query,
                "body": body,
                "response": response,
                "status": status,
                "responses": dict(responses or {}),
                "tags": tags,
                "media": tuple(media or ()),
                "public": public,
            },
        )
        return view

    return attach


@cache
def list_of(key: str, item_schema, paginated: bool = True) -> type[Schema]:
    """A schema for `{key: [item, ...], "nextCursor": str|null}` (without nextCursor when not paginated)."""
    item = _schema_cls(item_schema)
    name = f"{item.__name__.removesuffix('Schema').removesuffix('Out')}List"
    attrs: dict[str, fields.Field] = {key: fields.List(fields.Nested(item_schema), required=True)}
    if paginated:
        attrs["nextCursor"] = fields.String(
            required=True,
            allow_none=True,
            metadata={"description": "Pass as `cursor` to get the next page; null on the last page."},
        )
    return Schema.from_dict(attrs, name=name)


def _schema_cls(schema: Schema | type[Schema] | str) -> type[Schema]:
    """The class of a schema given as a class, an instance or a registered name.

    apispec's `resolve_schema_cls` is typed to return a list too, but only marshmallow's `get_class(name, all=True)`
    does that: a name it resolves is one class (or a RegistryError).
    """
    return cast(type[Schema], resolve_schema_cls(schema))


class _NameResolver:
    """Component names: the class name without 'Schema', plus what a modifier changed, so none collide.

    Two classes of the same name in different modules are told apart by their module's name. `classes` maps each
    name given out to its schema class.
    """

    def __init__(self) -> None:
        self.taken: dict[str, type[Schema]] = {}
        self.classes: dict[str, type[Schema]] = {}

    def __call__(self, schema: Schema | type[Schema] | str) -> str:
        name = self._resolve(schema)
        self.classes[name] = _schema_cls(schema)
        return name

    def _resolve(self, schema: Schema | type[Schema] | str) -> str:
        cls = _schema_cls(schema)
        name = cls.__name__.removesuffix("Schema") or cls.__name__
        if self.taken.setdefault(name, cls) is not cls:
            name = cls.__module__.rpartition(".")[2].title().replace("_", "") + name
            self.taken.setdefault(name, cls)
        if isinstance(schema, Schema):
            if schema.partial:
                name += "Patch"
            if schema.only:
                name += "Only" + "".join(sorted(f.title() for f in schema.only))
            if schema.exclude:
                name += "Without" + "".join(sorted(f.title() for f in schema.exclude))
        return name


def build_spec(app: Flask) -> dict:
    """The OpenAPI 3.1 document of every rule under /api/v1 in `app`, and of the tracker's capture endpoints."""
    resolver = _NameResolver()
    plugin = MarshmallowPlugin(schema_name_resolver=resolver)
    spec = APISpec(
        title="Gapwise admin API",
        version="1",
        openapi_version="3.1.0",
        plugins=[plugin],
        info={
            "description": "Surveys, segments, features, journey rules, people, accounts, responses, scores, "
            "funnel, gaps, exports and webhooks of one project. Send the project's secret key: "
            "`Authorization: Bearer sk_…`. Lists page by cursor: pass `nextCursor` as `cursor`."
        },
        servers=[{"url": "/"}],
        security=[{"secretKey": []}],
    )
    plugin.map_to_openapi_type(Timestamp, "string", "date-time")
    plugin.map_to_openapi_type(Identifier, "string", None)
    plugin.map_to_openapi_type(JSONObject, "object", None)
    spec.components.security_scheme(
        "secretKey",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "A secret key of the project (sk_…), from `gapwise project create` or POST /api/v1/keys.",
        },
    )
    spec.components.schema("Error", schema=ErrorSchema)
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not (rule.rule == PREFIX or rule.rule.startswith(PREFIX + "/")):
            continue
        path, params = _path(rule)
        view = app.view_functions[rule.endpoint]
        assert rule.methods is not None  # Flask gives every rule its methods (GET when none are named)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule.endpoint, method, view, params)
    for path, operations in paths.items():
        _shared_path_405(operations)
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    for name, schema in document["components"]["schemas"].items():
        cls = resolver.classes.get(name, ErrorSchema if name == "Error" else None)
        if cls is not None and cls.__doc__ and "description" not in schema:
            schema["description"] = " ".join(cls.__doc__.split())
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                _not_null(parameter["schema"])
    add_tracker(document)
    return document


def _not_null(schema: dict) -> None:
    """A query parameter is absent or a string, never JSON null: drop the null that `load_default=None` implies."""
    if isinstance(schema.get("type"), list):
        kinds = [kind for kind in schema["type"] if kind != "null"]
        schema["type"] = kinds[0] if len(kinds) == 1 else kinds
    if "enum" in schema:
        schema["enum"] = [value for value in schema["enum"] if value is not None]
    if "default" in schema and schema["default"] is None:
        del schema["default"]


def cached_spec(app: Flask) -> dict:
    """build_spec(app), built once per app: the routes do not change once the app serves."""
    if "gapwise.openapi" not in app.extensions:
        app.extensions["gapwise.openapi"] = build_spec(app)
    return app.extensions["gapwise.openapi"]


def _path(rule: Rule) -> tuple[str, list[dict]]:
    """`/surveys/<int:survey_id>` → `/surveys/{survey_id}` and its path parameters, typed by their converters."""
    params: list[dict] = []
    for name in _ARG.findall(rule.rule):
        converter = rule._converters.get(name)  # werkzeug keeps a rule's converters only here
        schema: dict[str, str | int] = {"type": "string"}
        if isinstance(converter, NumberConverter):
            schema = {"type": "integer" if isinstance(converter, IntegerConverter) else "number"}
            low = converter.min if converter.min is not None else (None if converter.signed else 0)
            schema.update(
                {key: value for key, value in (("minimum", low), ("maximum", converter.max)) if value is not None}
            )
        params.append({"in": "path", "name": name, "required": True, "schema": schema})
    return _ARG.sub(lambda m: "{" + m.group(1) + "}", rule.rule), params


def _operation(endpoint: str, method: str, view, path_params: list[dict]) -> dict:
    endpoint = endpoint.removeprefix("api.")  # the resources are nested in the parent blueprint `api`
    meta = getattr(view, ATTRIBUTE, None)
    description = " ".join((view.__doc__ or "").split())
    operation: dict[str, Any] = {"operationId": f"{endpoint}.{method.lower()}", "tags": [endpoint.partition(".")[0]]}
    if description:
        operation["description"] = description
    if path_params:
        operation["parameters"] = [dict(p) for p in path_params]
    if meta is None:
        operation.update(
            {
                "summary": endpoint,
                "x-undocumented": True,
                "responses": {"default": {"description": "Not documented yet."}},
            }
        )
        return operation
    operation["summary"] = meta["summary"]
    if meta["tags"]:
        operation["tags"] = list(meta["tags"])
    if meta["public"]:
        operation["security"] = []
    if meta["query"] is not None:
        operation.setdefault("parameters", []).append({"in": "query", "schema": meta["query"]})
    if meta["body"] is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": meta["body"]}}}
    operation["responses"] = {str(meta["status"]): _success(meta), **_errors(meta, bool(path_params))}
    return operation


def _success(meta: dict) -> dict:
    response: dict[str, Any] = {"description": "Success." if meta["status"] != 204 else "Done; no body."}
    content: dict[str, dict] = {}
    for media in meta["media"] or (("application/json",) if meta["response"] is not None else ()):
        if "json" in media:
            content[media] = {"schema": meta["response"] if meta["response"] is not None else {"type": "object"}}
        elif media in _BINARY_TYPES:
            content[media] = {"schema": {"type": "string", "contentEncoding": "binary"}}
        else:
            content[media] = {"schema": {"type": "string"}}
    if content:
        response["content"] = content
    return response


def _shared_path_405(operations: dict) -> None:
    """A number beyond a bounded id's range fails the converter of every rule of the path; when a rule for another
    method matched first, the router answers 405 rather than 404. Say so where it can happen."""
    bounded = any(
        "maximum" in p["schema"]
        for op in operations.values()
        for p in op.get("parameters", [])
        if p.get("in") == "path"
    )
    if not bounded or len(operations) < 2:
        return
    for op in operations.values():
        if "x-undocumented" not in op:
            op["responses"]["405"] = {
                "description": "The id is beyond its range (the router then may answer 405 rather than 404).",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
            op["responses"] = dict(sorted(op["responses"].items()))


def _errors(meta: dict, has_path_params: bool) -> dict:
    statuses = {503}
    if not meta["public"]:
        statuses |= {401, 429}
    if has_path_params:
        statuses.add(404)
    if meta["query"] is not None or meta["body"] is not None:
        statuses.add(422)
    if meta["body"] is not None:
        statuses |= {400, 413, 415}
    texts = {status: ERROR_TEXT.get(status, "An error.") for status in statuses}
    texts.update(meta["responses"])
    return {
        str(status): {
            "description": texts[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for status in sorted(texts)
    }
