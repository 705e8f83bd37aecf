"""Surveys of a project: create, read, change, delete; always scoped to one project."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...errors import Conflict, NotFound, Unprocessable
from ...models import Feature, Response, Segment, Survey
from ...schemas.surveys import TargetingSchema
from ..projects import config_cache
from ..storage.pagination import page
from . import url_rules

CONTENT_FIELDS = ("defaultLocale", "questions", "thankYou")


def list_surveys(session: Session, project_id: int, status: str | None = None) -> list[Survey]:
    """A project's surveys, highest priority first."""
    stmt = select(Survey).where(Survey.project_id == project_id)
    if status:
        stmt = stmt.where(Survey.status == status)
    return list(session.scalars(stmt.order_by(Survey.priority.desc(), Survey.id)))


def page_surveys(session: Session, project_id: int, args: dict) -> tuple[list[Survey], str | None]:
    """One page of a project's surveys in id order (`status`, `limit`, `cursor`), and the next page's cursor."""
    stmt = select(Survey).where(Survey.project_id == project_id)
    if args.get("status"):
        stmt = stmt.where(Survey.status == args["status"])
    return page(session, stmt, Survey.id, args["limit"], args["cursor"])


def get_survey(session: Session, project_id: int, survey_id: int) -> Survey:
    """One survey of the project, or NotFound."""
    survey = session.scalar(select(Survey).where(Survey.project_id == project_id, Survey.id == survey_id))
    if survey is None:
        raise NotFound(f"No survey with id {survey_id}.")
    return survey


def create_survey(session: Session, project_id: int, data: dict) -> Survey:
    """Add a survey (validated by SurveySchema)."""
    survey = Survey(project_id=project_id, content={}, appearance={}, targeting={})
    _apply(session, project_id, survey, data)
    session.add(survey)
    session.commit()
    config_cache.invalidate(project_id)
    return survey


def update_survey(session: Session, project_id: int, survey_id: int, changes: dict) -> Survey:
    """Change some fields of a survey (validated by SurveySchema(partial=True))."""
    survey = get_survey(session, project_id, survey_id)
    _apply(session, project_id, survey, changes)
    session.commit()
    config_cache.invalidate(project_id)
    return survey


def delete_survey(session: Session, project_id: int, survey_id: int) -> None:
    """Remove a survey with its displays and responses. One with responses must be archived first (archiving
    hides it and keeps its data), so answers are never lost by one click."""
    survey = get_survey(session, project_id, survey_id)
    answered = session.scalar(select(func.count()).select_from(Response).where(Response.survey_id == survey.id))
    if answered and survey.status != "archived":
        raise Conflict(
            f"“{survey.name}” has {answered} responses: archive it first (it is hidden, its data kept); "
            "an archived survey can then be deleted with its responses."
        )
    session.delete(survey)
    session.commit()
    config_cache.invalidate(project_id)


def duplicate_survey(session: Session, project_id: int, survey_id: int) -> Survey:
    """A draft copy of a survey (questions, texts, targeting, appearance), without its responses."""
    original = get_survey(session, project_id, survey_id)
    copy = Survey(
        project_id=project_id,
        name=f"Copy of {original.name}"[:200],
        kind=original.kind,
        status="draft",
        content=dict(original.content),
        targeting=dict(original.targeting or {}),
        appearance=dict(original.appearance or {}),
        segment_id=original.segment_id,
        sample_rate=original.sample_rate,
        priority=original.priority,
        response_limit=original.response_limit,
    )
    session.add(copy)
    session.commit()
    return copy


def _apply(session: Session, project_id: int, survey: Survey, data: dict) -> None:
    for name in ("name", "kind", "status", "appearance"):
        if name in data:
            setattr(survey, name, data[name])
    if any(name in data for name in CONTENT_FIELDS):
        survey.content = {**survey.content, **{n: data[n] for n in CONTENT_FIELDS if n in data}}
    if "targeting" in data:
        # A change names only what changes: the rest of the targeting stays as it was (or its default).
        targeting = {**TargetingSchema().load({}), **(survey.targeting or {}), **data["targeting"]}
        survey.targeting = targeting
        _check_url(targeting["url"])
        survey.segment_id = _segment_id(session, project_id, targeting["segment"])
        _check_feature(session, project_id, targeting["trigger"].get("feature"))
        survey.priority, survey.sample_rate = targeting["priority"], targeting["sampleRate"]
        survey.response_limit = targeting["responseLimit"]


def _segment_id(session: Session, project_id: int, key: str | None) -> int | None:
    if key is None:
        return None
    segment_id = session.scalar(select(Segment.id).where(Segment.project_id == project_id, Segment.key == key))
    if segment_id is None:
        raise Unprocessable(errors={"targeting": {"segment": [f"No segment with key {key!r}."]}})
    return segment_id


def _check_feature(session: Session, project_id: int, key: str | None) -> None:
    if key and session.scalar(select(Feature.id).where(Feature.project_id == project_id, Feature.key == key)) is None:
        raise Unprocessable(errors={"targeting": {"trigger": {"feature": [f"No feature with key {key!r}."]}}})


def _check_url(rule: dict | None) -> None:
    """A regex URL rule is one the tracker can run without freezing the page (see url_rules)."""
    reason = url_rules.problem(rule["value"]) if rule and rule["match"] == "regex" else None
    if reason:
        raise Unprocessable(errors={"targeting": {"url": {"value": [reason]}}})
