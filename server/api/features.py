"""/api/v1/features: the project's tagged features (secret key)."""

from flask import Blueprint, g

from ..core.features import definitions as features
from ..db import db
from ..http.body import read_json_object
from ..schemas.features import FeatureOutSchema, FeatureSchema
from .openapi import doc, list_of

bp = Blueprint("features", __name__)
_create, _update = FeatureSchema(), FeatureSchema(partial=True, exclude=("key",))
_out = FeatureOutSchema()


@bp.get("")
@doc("List features", response=list_of("features", FeatureOutSchema, paginated=False))
def list_features():
    return {"features": _out.dump(features.list_features(db.session, g.project_id), many=True)}


@bp.post("")
@doc(
    "Create a feature",
    body=FeatureSchema,
    response=FeatureOutSchema,
    status=201,
    responses={409: "A feature with this key already exists."},
)
def create_feature():
    feature = features.create_feature(db.session, g.project_id, _create.load(read_json_object()))
    return _out.dump(feature), 201


@bp.get("/<key>")
@doc("Get one feature", response=FeatureOutSchema)
def get_feature(key):
    return _out.dump(features.get_feature(db.session, g.project_id, key))


@bp.patch("/<key>")
@doc("Change a feature", body=_update, response=FeatureOutSchema)
def update_feature(key):
    return _out.dump(features.update_feature(db.session, g.project_id, key, _update.load(read_json_object())))


@bp.delete("/<key>")
@doc("Delete a feature", status=204)
def delete_feature(key):
    features.delete_feature(db.session, g.project_id, key)
    return "", 204
