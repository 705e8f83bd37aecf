"""/api/v1/openapi.json and /api/v1/docs: the API's description, public (it holds no secrets)."""
from flask import Blueprint, current_app

from ..openapi import build_spec, doc

bp = Blueprint("docs", __name__)


@bp.get("/openapi.json")
@doc("The OpenAPI document of this API", public=True, tags=["docs"])
def openapi_json():
    """This document, generated from the marshmallow schemas of the views."""
    return build_spec(current_app)
