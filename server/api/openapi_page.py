"""What the /api/v1/docs page shows, read from the OpenAPI document: operations by tag, and every schema."""

from dataclasses import dataclass, field

_REF = "#/components/schemas/"


@dataclass
class Type:
    """A schema as one line of text, with the component it links to (if any)."""

    text: str
    link: str | None = None


@dataclass
class Row:
    """A parameter or a schema property."""

    name: str
    type: Type
    required: bool
    notes: str


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    public: bool
    parameters: list[Row]
    body: Type | None
    responses: list[tuple[str, str, Type | None]]


@dataclass
class Component:
    name: str
    description: str
    rows: list[Row] = field(default_factory=list)


def describe_type(schema: dict | None) -> Type:
    """`string (date-time) or null`, `array of Feature`, `one of: a, b`, `any`…"""
    if not schema:
        return Type("any")
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(_REF)
        return Type(name, name)
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds] if kinds else []
    nullable = "null" in kinds
    kinds = [k for k in kinds if k != "null"]
    if "array" in kinds:
        inner = describe_type(schema.get("items"))
        text, link = f"array of {inner.text}", inner.link
    elif "object" in kinds and isinstance(schema.get("additionalProperties"), dict):
        inner = describe_type(schema["additionalProperties"])
        text, link = f"object of {inner.text}", inner.link
    else:
        text, link = " or ".join(kinds) or "any", None
        if schema.get("format"):
            text += f" ({schema['format']})"
    if schema.get("enum"):
        text += ": " + ", ".join(str(v) for v in schema["enum"] if v is not None)
    return Type(text + (" or null" if nullable else ""), link)


def _notes(schema: dict, description: str | None = None) -> str:
    parts = [(description or schema.get("description") or "").rstrip(".")]
    bounds = [
        ("minimum", "≥ {}"),
        ("maximum", "≤ {}"),
        ("minLength", "at least {} characters"),
        ("maxLength", "at most {} characters"),
        ("minItems", "at least {} items"),
        ("maxItems", "at most {} items"),
        ("pattern", "matches {}"),
        ("default", "default {}"),
    ]
    parts += [text.format(schema[key]) for key, text in bounds if key in schema and schema[key] is not None]
    if schema.get("readOnly"):
        parts.append("read-only")
    return "; ".join(p for p in parts if p)


def operations(document: dict) -> dict[str, list[Operation]]:
    """The document's operations grouped by their first tag, tags and paths in order."""
    grouped: dict[str, list[Operation]] = {}
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            params = [
                Row(
                    p["name"] + (" (in path)" if p["in"] == "path" else ""),
                    describe_type(p.get("schema")),
                    p.get("required", False),
                    _notes(p.get("schema") or {}, p.get("description")),
                )
                for p in op.get("parameters", [])
            ]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            responses = [
                (status, answer.get("description", ""), _content_type(answer))
                for status, answer in op.get("responses", {}).items()
            ]
            grouped.setdefault((op.get("tags") or ["other"])[0], []).append(
                Operation(
                    method.upper(),
                    path,
                    op.get("operationId", f"{method}-{path}"),
                    op.get("summary", ""),
                    op.get("description", ""),
                    op.get("security") == [],
                    params,
                    describe_type(body) if body else None,
                    responses,
                )
            )
    return dict(sorted(grouped.items()))


def _content_type(answer: dict) -> Type | None:
    content = answer.get("content") or {}
    if not content:
        return None
    if "application/json" in content:
        return describe_type(content["application/json"].get("schema"))
    return Type(", ".join(content))


def components(document: dict) -> list[Component]:
    """Every schema component with its properties."""
    out = []
    for name, schema in sorted(document.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        rows = [
            Row(prop, describe_type(sub), prop in required, _notes(sub))
            for prop, sub in schema.get("properties", {}).items()
        ]
        out.append(Component(name, schema.get("description", ""), rows))
    return out
