"""/api/v1/surveys: the project's surveys (secret key)."""
from flask import Blueprint, g, request

from ..auth import require_secret_key
from ..body import read_json_object
from ..db import db
from ..schemas.survey_out import SurveyOutSchema
from ..schemas.surveys import EligibilityQuerySchema, SurveySchema
from ..services import surveys, targeting

bp = Blueprint("surveys", __name__)
bp.before_request(require_secret_key)
_create, _update, _out = SurveySchema(), SurveySchema(partial=True), SurveyOutSchema()
_person = EligibilityQuerySchema()


@bp.get("")
def list_surveys():
    status = request.args.get("status")
    return {"surveys": _out.dump(surveys.list_surveys(db.session, g.project_id, status), many=True)}


@bp.post("")
def create_survey():
    return _out.dump(surveys.create_survey(db.session, g.project_id, _create.load(read_json_object()))), 201


@bp.get("/<int:survey_id>")
def get_survey(survey_id):
    return _out.dump(surveys.get_survey(db.session, g.project_id, survey_id))


@bp.patch("/<int:survey_id>")
def update_survey(survey_id):
    changes = _update.load(read_json_object())
    return _out.dump(surveys.update_survey(db.session, g.project_id, survey_id, changes))


@bp.delete("/<int:survey_id>")
def delete_survey(survey_id):
    surveys.delete_survey(db.session, g.project_id, survey_id)
    return "", 204


@bp.get("/<int:survey_id>/eligibility")
def eligibility(survey_id):
    """Why the survey would or would not show to one person (user id or anonymous id), rule by rule."""
    person = _person.load(request.args)["person"]
    survey = surveys.get_survey(db.session, g.project_id, survey_id)
    return targeting.explain(db.session, g.project, survey, person)
