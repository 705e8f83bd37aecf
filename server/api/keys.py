"""/api/v1/keys: the project's secret keys — list, create (the key is shown once), revoke (secret key)."""

from flask import Blueprint, g, request

from ..core.projects import keys
from ..db import db
from ..http.body import read_json_object
from ..schemas.api import KeyCreatedSchema, KeyCreateSchema, KeyOutSchema
from ..schemas.pagination import PageQuerySchema
from .openapi import INT_ID, doc, list_of

bp = Blueprint("keys", __name__)
_query, _create, _out, _created = PageQuerySchema(), KeyCreateSchema(), KeyOutSchema(), KeyCreatedSchema()


@bp.get("")
@doc("List secret keys", query=PageQuerySchema, response=list_of("keys", KeyOutSchema))
def list_keys():
    """Every key of the project, revoked ones included, oldest first; never a key itself nor its hash."""
    args = _query.load(request.args)
    rows, next_cursor = keys.list_secret_keys(db.session, g.project_id, args["limit"], args["cursor"])
    return {"keys": _out.dump(rows, many=True), "nextCursor": next_cursor}


@bp.post("")
@doc("Create a secret key", body=KeyCreateSchema, response=KeyCreatedSchema, status=201)
def create_key():
    """The answer holds the key itself (`key`), this once: store it then, it cannot be shown again."""
    row, secret = keys.issue_secret_key(db.session, g.project_id, _create.load(read_json_object())["name"])
    return {**_created.dump(row), "key": secret}, 201


@bp.delete(f"/<{INT_ID}:key_id>")
@doc("Revoke a secret key", status=204, responses={404: "No key with this id in the project."})
def revoke_key(key_id):
    """The key stops working at once. Revoking the key this request is made with is allowed: the next request
    made with it gets 401, so create its replacement first."""
    keys.revoke_secret_key(db.session, g.project_id, key_id)
    return "", 204
