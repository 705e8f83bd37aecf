"""/api/v1/surveys: the project's surveys (secret key)."""

from flask import Blueprint, g, request
from marshmallow import EXCLUDE

from ..core.surveys import definitions as surveys
from ..core.surveys import targeting
from ..db import db
from ..http.body import read_json_object
from ..schemas.pagination import PageQuerySchema
from ..schemas.reports import EligibilitySchema, SurveyListQuerySchema
from ..schemas.survey_out import SurveyOutSchema
from ..schemas.surveys import EligibilityQuerySchema, SurveySchema
from .openapi import INT_ID, doc, list_of


class SurveyPageQuerySchema(SurveyListQuerySchema, PageQuerySchema):
    """`status`, and `limit` surveys per page after `cursor` (the previous page's nextCursor)."""

    class Meta:
        unknown = EXCLUDE


bp = Blueprint("surveys", __name__)
_create, _update, _out = SurveySchema(), SurveySchema(partial=True), SurveyOutSchema()
_person, _list_query = EligibilityQuerySchema(), SurveyPageQuerySchema()


@bp.get("")
@doc("List surveys", query=SurveyPageQuerySchema, response=list_of("surveys", SurveyOutSchema))
def list_surveys():
    """Surveys in the order they were created, `limit` per page; each says its `priority`."""
    rows, next_cursor = surveys.page_surveys(db.session, g.project_id, _list_query.load(request.args))
    return {"surveys": _out.dump(rows, many=True), "nextCursor": next_cursor}


@bp.post("")
@doc("Create a survey", body=SurveySchema, response=SurveyOutSchema, status=201)
def create_survey():
    return _out.dump(surveys.create_survey(db.session, g.project_id, _create.load(read_json_object()))), 201


@bp.get(f"/<{INT_ID}:survey_id>")
@doc("Get one survey", response=SurveyOutSchema)
def get_survey(survey_id):
    return _out.dump(surveys.get_survey(db.session, g.project_id, survey_id))


@bp.patch(f"/<{INT_ID}:survey_id>")
@doc("Change a survey", body=_update, response=SurveyOutSchema)
def update_survey(survey_id):
    changes = _update.load(read_json_object())
    return _out.dump(surveys.update_survey(db.session, g.project_id, survey_id, changes))


@bp.delete(f"/<{INT_ID}:survey_id>")
@doc(
    "Delete a survey",
    status=204,
    responses={409: "The survey has responses and is not archived: archive it first (PATCH status archived)."},
)
def delete_survey(survey_id):
    surveys.delete_survey(db.session, g.project_id, survey_id)
    return "", 204


@bp.get(f"/<{INT_ID}:survey_id>/eligibility")
@doc("Explain who the survey would show to", query=EligibilityQuerySchema, response=EligibilitySchema)
def eligibility(survey_id):
    """Why the survey would or would not show to one person (user id or anonymous id), rule by rule."""
    person = _person.load(request.args)["person"]
    survey = surveys.get_survey(db.session, g.project_id, survey_id)
    return targeting.explain(db.session, g.project, survey, person)
