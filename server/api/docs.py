"""/api/v1/openapi.json and /api/v1/docs: the API's description, public (it holds no secrets)."""

from flask import Blueprint, current_app, render_template

from . import openapi_page
from .openapi import cached_spec, doc

bp = Blueprint("docs", __name__, template_folder="templates")


@bp.get("/openapi.json")
@doc("The OpenAPI document of this API", public=True, tags=["docs"], media=("application/json",))
def openapi_json():
    """This document, generated from the marshmallow schemas of the views."""
    return cached_spec(current_app)


@bp.get("/docs")
@doc("This API's reference, as a web page", public=True, tags=["docs"], media=("text/html",))
def docs_page():
    """Every endpoint, its parameters, body, answers, and every schema, from the same document as openapi.json."""
    document = cached_spec(current_app)
    return render_template(
        "api/docs.html",
        info=document["info"],
        openapi=document["openapi"],
        groups=openapi_page.operations(document),
        schemas=openapi_page.components(document),
    )
