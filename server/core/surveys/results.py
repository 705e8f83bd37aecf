"""What the dashboard shows of survey answers: a summary per survey, response rows and CSV, trends."""

import csv
import io
from collections.abc import Iterator

from sqlalchemy import Engine, case, func, select
from sqlalchemy.orm import Session

from ...models import Display, Person, Response, Survey
from ..exports.spreadsheet import safe_cell
from ..journey.stages import STAGES
from ..people import directory
from ..storage.pagination import page
from . import scores

FIXED_COLUMNS = ("Response", "Answered at (UTC)", "Person", "Stage", "Completed", "Score")
CSV_PAGE = 500


def summaries(session: Session, project_id: int) -> dict[int, dict]:
    """Per survey id: completed responses, response rate (answered ÷ shown) and its NPS or CSAT, in 2 queries."""
    shown = {
        sid: (n, answered)
        for sid, n, answered in session.execute(
            select(Display.survey_id, func.count(), func.count(Display.answered_at))
            .where(Display.project_id == project_id)
            .group_by(Display.survey_id)
        )
    }
    scored = Response.score.is_not(None)
    answers = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                Response.survey_id,
                func.count(),
                func.count(Response.score),
                _count(scored & (Response.score >= 9)),
                _count(scored & (Response.score <= 6)),
                _count(scored & (Response.score >= 4)),
            )
            .where(Response.project_id == project_id, Response.completed.is_(True))
            .group_by(Response.survey_id)
        )
    }
    out = {}
    for survey_id, kind in session.execute(select(Survey.id, Survey.kind).where(Survey.project_id == project_id)):
        n, answered = shown.get(survey_id, (0, 0))
        total, with_score, promoters, detractors, satisfied = answers.get(survey_id, (0, 0, 0, 0, 0))
        out[survey_id] = {
            "responses": total,
            "shown": n,
            "rate": answered / n if n else None,
            "nps": scores.nps_from_counts(with_score, promoters, detractors) if kind == "nps" else None,
            "csat": {"score": satisfied / with_score if with_score else None, "n": with_score}
            if kind == "csat"
            else None,
        }
    return out


def _count(condition):
    return func.count(case((condition, 1)))


def scored(survey: Survey) -> bool:
    """Whether the survey has a headline score (NPS or CSAT), so a score column means something; a welcome
    screen's expectation rating is an answer like the others."""
    return survey.kind in ("nps", "csat")


def columns(survey: Survey) -> list[str]:
    """The headers of the responses CSV: fixed columns (Score only for a scored survey), then each question's text."""
    content = survey.content or {}
    default = content.get("defaultLocale", "en")
    fixed = FIXED_COLUMNS if scored(survey) else FIXED_COLUMNS[:-1]
    return [*fixed, *(f"{q['text'].get(default) or q['id']} [{q['id']}]" for q in content.get("questions", []))]


def answers(survey: Survey, row) -> list[tuple[str, str]]:
    """(question, answer as text) of one response, in question order; choice ids read as their labels."""
    content = survey.content or {}
    default = content.get("defaultLocale", "en")
    out = []
    for q in content.get("questions", []):
        answer = (row.answers or {}).get(q["id"])
        labels = {c["id"]: c["label"].get(default) or c["id"] for c in q.get("choices") or []}
        values = answer if isinstance(answer, list) else [] if answer is None else [answer]
        out.append(
            (
                q["text"].get(default) or q["id"],
                "; ".join(
                    str(labels.get(v, v)) if isinstance(v, str) else f"{v:g}" if isinstance(v, float) else str(v)
                    for v in values
                ),
            )
        )
    return out


def cells(survey: Survey, row) -> list[str]:
    """One response (a directory.ResponseView) as text cells, in the order of `columns`."""
    person = row.user_id or f"anonymous #{row.person_id}"
    out = [str(row.id), row.created_at.strftime("%Y-%m-%d %H:%M"), person, row.stage, "yes" if row.completed else "no"]
    if scored(survey):
        out.append("" if row.score is None else f"{row.score:g}")
    return out + [text for _, text in answers(survey, row)]


def responses(
    session: Session, where: list, cursor: str | None, limit: int, newest_first: bool = True
) -> tuple[list, str | None]:
    """One page of the responses matching `where` (analysis.conditions), newest first, with their people's user ids."""
    rows, next_cursor = page(session, select(Response).where(*where), Response.id, limit, cursor, newest_first)
    ids = {r.person_id for r in rows}
    users = dict(session.execute(select(Person.id, Person.user_id).where(Person.id.in_(ids))).all()) if ids else {}
    return [directory.ResponseView(r, users.get(r.person_id)) for r in rows], next_cursor


def csv_rows(engine: Engine, survey: Survey, where: list) -> Iterator[str]:
    """The responses matching `where` as CSV text, in arrival order, a page at a time (flat memory); formula-like
    cells are neutralised.

    It reads through its own session, closed when the stream ends or is abandoned: the request's session is
    gone by the time a streamed body is read.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(v) for v in values])
        return buffer.getvalue()

    yield line(columns(survey))
    cursor = None
    with Session(engine) as session:
        while True:
            rows, cursor = responses(session, where, cursor, CSV_PAGE, newest_first=False)
            yield "".join(line(cells(survey, row)) for row in rows)  # the session keeps no strong reference to them
            if cursor is None:
                return


def trend(session: Session, project_id: int, survey: Survey) -> dict:
    """The survey's main score per week, overall and per journey stage (from scores.scores), for a chart and a table."""
    metric = {"nps": "nps", "csat": "csat"}.get(survey.kind, "responseRate")
    overall = scores.scores(session, project_id, survey_id=survey.id, period="week")
    weeks = [p["start"] for p in overall["byPeriod"]]
    series = [{"label": "All stages", "points": [_point(metric, p) for p in overall["byPeriod"]]}]
    grid = scores.by_stage_and_period(session, project_id, survey.id, "week")
    for stage in STAGES:
        if _point(metric, overall["byStage"][stage])["n"]:
            series.append({"label": stage, "points": [_point(metric, grid.get((stage, w), {})) for w in weeks]})
    stages = [
        {"stage": stage, **_point(metric, overall["byStage"][stage]), "rate": overall["byStage"][stage]["responseRate"]}
        for stage in STAGES
    ]
    return {
        "metric": metric,
        "weeks": weeks,
        "series": series,
        "stages": stages,
        "total": {**_point(metric, overall), "rate": overall["responseRate"]},
    }


def _point(metric: str, scored: dict) -> dict:
    """{"value", "n"} of a metric: NPS in points, CSAT and response rate in percent; None without answers."""
    if not scored:
        return {"value": None, "n": 0}
    if metric == "nps":
        value, n = scored["nps"]["score"], scored["nps"]["n"]
    elif metric == "csat":
        value, n = scored["csat"]["score"], scored["csat"]["n"]
        value = None if value is None else value * 100
    else:
        value, n = scored["responseRate"]["rate"], scored["responseRate"]["shown"]
        value = None if value is None else value * 100
    return {"value": None if value is None else round(value, 1), "n": n}
