"""Dashboard pages of surveys: the list, the builder with its live preview, results, CSV, and why a person saw none.

Reading needs a viewer; creating, changing, activating and pausing need an editor. The builder is a plain HTML
form (static/ui/builder.js adds question rows and the preview); its errors are shown next to their fields.
"""

from flask import Response, flash, g, redirect, request, stream_with_context, url_for
from marshmallow import ValidationError

from ..api.openapi import INT_ID
from ..core.features import definitions as features
from ..core.journey.stages import STAGES
from ..core.segments import definitions as segments
from ..core.surveys import analysis, competition, targeting
from ..core.surveys import definitions as survey_service
from ..core.surveys import results as survey_results
from ..core.webhooks import notifications
from ..db import db
from ..errors import ApiError, Unprocessable
from ..schemas.api import ResponseQuerySchema
from ..schemas.surveys import EligibilityQuerySchema, SurveySchema
from .forms import branching, colors, survey_form
from .forms.survey_form_load import FormInvalid, load, service_errors
from .frame import project_page, render_page, ui_blueprint

bp = ui_blueprint("ui_surveys")
SURVEY = f"/p/<int:project_id>/surveys/<{INT_ID}:survey_id>"
PAGE_SIZE = 50
FILTERS = ("stage", "segment", "answer", "completed", "since", "until")
TEXT_FILTERS = ("segment", "answer")  # checked against the project and the survey by analysis.conditions
_filters, _person, _status = ResponseQuerySchema(), EligibilityQuerySchema(), SurveySchema(partial=True)


@bp.get("/p/<int:project_id>/surveys")
@project_page("viewer")
def surveys(project_id):
    """Every survey with its status, responses, response rate and score; archived ones on request."""
    return _list(project_id, archived=request.args.get("archived") == "1")


def _list(project_id: int, archived: bool, confirm=None) -> str:
    every = survey_service.list_surveys(db.session, project_id)
    return render_page(
        "ui/surveys/list.html",
        surveys=[s for s in every if (s.status == "archived") == archived],
        archived=archived,
        archived_count=sum(s.status == "archived" for s in every),
        summaries=survey_results.summaries(db.session, project_id),
        confirm=confirm,
    )


@bp.post(f"{SURVEY}/duplicate")
@project_page("editor")
def duplicate(project_id, survey_id):
    """A draft copy, opened in the builder."""
    copy = survey_service.duplicate_survey(db.session, project_id, survey_id)
    flash(f"“{copy.name}” is a draft copy: change what you need, then activate it.")
    return redirect(url_for(".edit_survey", project_id=project_id, survey_id=copy.id))


@bp.post(f"{SURVEY}/delete")
@project_page("editor")
def delete(project_id, survey_id):
    """Delete once confirmed (the first post asks); one with responses must be archived first."""
    survey = survey_service.get_survey(db.session, project_id, survey_id)
    if request.form.get("confirm") != "yes":
        return _list(project_id, archived=survey.status == "archived", confirm=survey)
    try:
        survey_service.delete_survey(db.session, project_id, survey_id)
    except ApiError as error:
        db.session.rollback()
        flash(f"Nothing was deleted: {error.message}")
    else:
        flash(f"Survey “{survey.name}” deleted, with its responses.")
    return redirect(url_for(".surveys", project_id=project_id, archived="1" if survey.status == "archived" else None))


@bp.get("/p/<int:project_id>/surveys/new")
@project_page("editor")
def new_survey(project_id):
    """An empty builder, starting with the question the chosen kind needs."""
    return _builder(survey_form.blank(request.args.get("kind", "nps")))


@bp.post("/p/<int:project_id>/surveys/new")
@project_page("editor")
def create_survey(project_id):
    """Save a new survey as a draft (or, for the no-script buttons, add a row and show the form again)."""
    form = survey_form.from_post(request.form)
    if _row_action(form):
        return _builder(form)
    try:
        survey = survey_service.create_survey(db.session, project_id, load(form))
    except (FormInvalid, Unprocessable) as error:
        return _refused(form, error)
    flash(f"Survey “{survey.name}” saved as a draft: activate it when it is ready.")
    return redirect(url_for(".edit_survey", project_id=project_id, survey_id=survey.id))


@bp.get(f"{SURVEY}/edit")
@project_page("editor")
def edit_survey(project_id, survey_id):
    """The builder filled with a stored survey."""
    survey = survey_service.get_survey(db.session, project_id, survey_id)
    return _builder(survey_form.from_survey(survey), survey)


@bp.post(f"{SURVEY}/edit")
@project_page("editor")
def update_survey(project_id, survey_id):
    """Save the builder's changes; the survey keeps its status."""
    survey = survey_service.get_survey(db.session, project_id, survey_id)
    form = survey_form.from_post(request.form)
    if _row_action(form):
        return _builder(form, survey)
    try:
        data = load(form)
        data.pop("status")
        survey_service.update_survey(db.session, project_id, survey_id, data)
    except (FormInvalid, Unprocessable) as error:
        return _refused(form, error, survey)
    flash(f"Survey “{survey.name}” saved.")
    return redirect(url_for(".edit_survey", project_id=project_id, survey_id=survey_id))


@bp.post(f"{SURVEY}/status")
@project_page("editor")
def set_status(project_id, survey_id):
    """Activate, pause, archive (hidden, data kept) or restore (paused) a survey."""
    status = request.form.get("status")
    if status not in ("active", "paused", "archived"):
        raise Unprocessable("Choose to activate, pause or archive the survey.")
    survey = survey_service.update_survey(db.session, project_id, survey_id, _status.load({"status": status}))
    flash(
        {
            "active": f"Survey “{survey.name}” is active.",
            "paused": f"Survey “{survey.name}” is paused.",
            "archived": f"Survey “{survey.name}” is archived: hidden from the list, its responses kept.",
        }[status]
    )
    back = request.form.get("back", "")
    endpoint = {"edit": ".edit_survey", "results": ".results"}.get(back)
    if endpoint:
        return redirect(url_for(endpoint, project_id=project_id, survey_id=survey_id))
    return redirect(url_for(".surveys", project_id=project_id))


@bp.get(SURVEY)
@project_page("viewer")
def results(project_id, survey_id):
    """What the answers say (filtered), score trends by stage, and the responses newest first, a page at a time."""
    survey = survey_service.get_survey(db.session, project_id, survey_id)
    filters, errors = _read_filters()
    rows: list = []
    next_cursor: str | None = None
    analysed = None
    if not errors:
        try:
            where = analysis.conditions(db.session, project_id, survey, filters)
        except ApiError as error:
            errors = error.errors or {"answer": [error.message]}
        else:
            rows, next_cursor = survey_results.responses(db.session, where, filters.get("cursor"), PAGE_SIZE)
            analysed = analysis.analyse(db.session, project_id, survey, where, _feature_names(project_id))
    return render_page(
        "ui/surveys/results.html",
        survey=survey,
        rows=rows,
        next_cursor=next_cursor,
        errors=errors,
        args={k: request.args.get(k, "") for k in FILTERS},
        stages=STAGES,
        segments=segments.list_segments(db.session, project_id),
        answer_options=analysis.answer_options(survey),
        filter_args=_filter_args(),
        analysis=analysed,
        gaps_by_feature=analysis.open_gaps_by_feature(db.session, project_id) if analysed else {},
        scored=survey_results.scored(survey),
        answers=lambda row: survey_results.answers(survey, row),
        trend=survey_results.trend(db.session, project_id, survey),
        summary=survey_results.summaries(db.session, project_id).get(survey_id),
        notifications=notifications.covering(db.session, project_id, survey_id=survey.id),
    ), 422 if errors else 200


@bp.get(f"{SURVEY}/responses.csv")
@project_page("viewer")
def responses_csv(project_id, survey_id):
    """The filtered responses as CSV, streamed, with the columns of the results table."""
    survey = survey_service.get_survey(db.session, project_id, survey_id)
    filters, errors = _read_filters(paged=False)
    if errors:
        raise Unprocessable("The filters are invalid.", errors=errors)
    rows = survey_results.csv_rows(db.engine, survey, analysis.conditions(db.session, project_id, survey, filters))
    return Response(
        stream_with_context(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="survey-{survey_id}-responses.csv"'},
    )


def _feature_names(project_id: int) -> list[tuple[str, str]]:
    return [(f.key, f.name) for f in features.list_features(db.session, project_id)]


def _filter_args() -> dict[str, str]:
    """The filters given, to carry into the pager, the CSV link and the answer links."""
    return {k: request.args[k][:200] for k in FILTERS if request.args.get(k)}


@bp.get(f"{SURVEY}/why")
@project_page("viewer")
def why(project_id, survey_id):
    """Whether the survey would show to one person (user id or anonymous id), rule by rule, and why."""
    survey = survey_service.get_survey(db.session, project_id, survey_id)
    person, explained, errors = request.args.get("person", ""), None, {}
    if "person" in request.args:
        try:
            key = _person.load({"person": person.strip()})["person"]
            explained = targeting.explain(db.session, g.project, survey, key)
        except ValidationError:
            errors = {"person": ["Give a user id or an anonymous id (1 to 200 characters)."]}
    return render_page("ui/surveys/why.html", survey=survey, person=person, explained=explained, errors=errors)


def _builder(form, survey=None, errors=None):
    project_id = g.project.id
    t = form.targeting
    url = {"match": t["urlMatch"], "value": t["urlValue"]} if t["urlMatch"] else None
    return render_page(
        "ui/surveys/builder.html",
        form=form,
        survey=survey,
        errors=errors or {},
        rivals=competition.competitors(
            db.session, project_id, survey.id if survey else None, form.kind, t["segment"] or None, url
        ),
        segments=segments.list_segments(db.session, project_id),
        features=features.list_features(db.session, project_id),
        options=_options,
        # The rows the builder's script copies; it fills in the row numbers "__N__", "__C__" and "__R__".
        template_question=survey_form.Question("__N__"),  # type: ignore[arg-type]  # a placeholder, not an int
        template_choice=survey_form.Choice("__C__"),  # type: ignore[arg-type]  # a placeholder, not an int
        template_range=branching.Range("__R__"),  # type: ignore[arg-type]  # a placeholder, not an int
        goto_options=branching.options,
        warnings={} if errors else branching.problems(form),  # e.g. a move that put a target before its question
        painted=colors.painted,
        text_contrast=colors.text_contrast,
        themes={"accent": colors.ACCENT, **colors.THEMES},
    )


def _options(rows, current: str, none: str) -> list[tuple[str, str]]:
    """(key, "name (key)") choices of segments or features; a key no longer there stays, marked unknown."""
    out = [("", none)] + [(r.key, f"{r.name} ({r.key})") for r in rows]
    if current and current not in {r.key for r in rows}:
        out.append((current, f"{current} (unknown)"))
    return out


def _refused(form, error, survey=None):
    """The builder again, with the input kept and each error next to its field (nothing was saved)."""
    db.session.rollback()
    errors = error.errors if isinstance(error, FormInvalid) else service_errors(form, error.errors)
    return _builder(form, survey, errors), 422


def _row_action(form) -> bool:
    """Without scripts, add/remove buttons post the form: apply the change, to show the form again unsaved."""
    action = request.form.get("action", "save")
    verb, _, arg = action.partition(":")
    if verb == "add":
        form.add_question(arg)
    elif verb == "remove" and arg.isdigit():
        form.questions = [q for q in form.questions if q.n != int(arg)]
    elif verb == "choice" and arg.isdigit() and (question := form.question(int(arg))):
        question.choices.append(survey_form.Choice(max((c.n for c in question.choices), default=-1) + 1))
    elif verb == "range" and arg.isdigit() and (question := form.question(int(arg))):
        question.ranges.append(branching.Range(max((r.n for r in question.ranges), default=-1) + 1))
    elif verb == "unrange" and (n := arg.partition(".")[0]).isdigit() and (question := form.question(int(n))):
        question.ranges = [r for r in question.ranges if str(r.n) != arg.partition(".")[2]]
    elif verb in ("up", "down") and arg.isdigit() and (question := form.question(int(arg))):
        at = form.questions.index(question)
        to = at - 1 if verb == "up" else at + 1
        if 0 <= to < len(form.questions):
            form.questions[at], form.questions[to] = form.questions[to], form.questions[at]
    return verb in ("add", "remove", "choice", "locales", "up", "down", "range", "unrange")


def _read_filters(paged: bool = True) -> tuple[dict, dict]:
    """The results filters from the query string (empty fields ignored), and their errors by field."""
    given = {k: request.args[k] for k in (*FILTERS, "cursor") if request.args.get(k)}
    args: dict[str, str | int] = {k: v for k, v in given.items() if k not in TEXT_FILTERS}
    args["limit"] = PAGE_SIZE
    if not paged:
        args.pop("cursor", None)
    try:
        filters = _filters.load(args)
    except ValidationError as error:
        return {}, {k: v if isinstance(v, list) else [str(v)] for k, v in error.messages_dict.items()}
    texts = {k: given[k][:200] for k in TEXT_FILTERS if k in given}
    return {k: filters[k] for k in (*FILTERS, "limit", "cursor") if k in filters} | texts, {}
