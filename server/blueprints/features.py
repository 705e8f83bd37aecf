"""/api/v1/features: the project's tagged features (secret key)."""
from flask import Blueprint, g

from ..auth import require_secret_key
from ..body import read_json_object
from ..db import db
from ..schemas.features import FeatureOutSchema, FeatureSchema
from ..services import features

bp = Blueprint("features", __name__)
bp.before_request(require_secret_key)
_create, _update = FeatureSchema(), FeatureSchema(partial=True, exclude=("key",))
_out = FeatureOutSchema()


@bp.get("")
def list_features():
    return {"features": _out.dump(features.list_features(db.session, g.project_id), many=True)}


@bp.post("")
def create_feature():
    feature = features.create_feature(db.session, g.project_id, _create.load(read_json_object()))
    return _out.dump(feature), 201


@bp.get("/<key>")
def get_feature(key):
    return _out.dump(features.get_feature(db.session, g.project_id, key))


@bp.patch("/<key>")
def update_feature(key):
    return _out.dump(features.update_feature(db.session, g.project_id, key, _update.load(read_json_object())))


@bp.delete("/<key>")
def delete_feature(key):
    features.delete_feature(db.session, g.project_id, key)
    return "", 204
