"""Scores of survey answers, aggregated in SQL: NPS, CSAT, response rate, P − E and value gaps, by stage and period."""

import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, String, case, cast, false, func, literal, select, union_all
from sqlalchemy.orm import Session

from ...models import Display, Feature, Response, Survey
from ..journey.stages import STAGES
from ..segments import definitions as segments
from ..storage.sql import PERIOD_STARTS, json_number
from . import definitions as surveys

SCALES = {"expectation": (1, 7), "perception": (1, 7), "value_expected": (0, 100), "value_realised": (0, 100)}


@dataclass(frozen=True)
class Cohort:
    """Which responses and displays a score reads; `people` is a list of person ids or a SELECT of them."""

    project_id: int
    since: datetime | None = None
    until: datetime | None = None
    stage: str | None = None
    people: list[int] | Select | None = None
    survey_id: int | None = None

    def where(self, model, at) -> list:
        """The conditions on `model` (Response or Display), whose time is `at`: since inclusive, until exclusive."""
        parts = [model.project_id == self.project_id]
        if self.since is not None:
            parts.append(at >= self.since)
        if self.until is not None:
            parts.append(at < self.until)
        if self.stage is not None:
            parts.append(model.stage == self.stage)
        if self.people is not None:
            parts.append(model.person_id.in_(self.people))
        if self.survey_id is not None:
            parts.append(model.survey_id == self.survey_id)
        return parts


def scores(
    session: Session, project_id: int, *, since=None, until=None, stage=None, segment=None, survey_id=None, period=None
) -> dict:
    """Every score of the project's answers, filtered, with breakdowns by stage and (when asked) by period."""
    people = None
    if segment is not None:  # NotFound for an unknown key; its people are read inside each statement (IN SELECT)
        people = segments.person_ids_statement(project_id, segments.get_segment(session, project_id, segment).rules)
    if survey_id is not None:
        surveys.get_survey(session, project_id, survey_id)
    cohort = Cohort(project_id, since, until, stage, people, survey_id)
    by_stage = _counts(session, cohort, "stage")
    result = {
        "filters": {
            "since": since and since.isoformat(),
            "until": until and until.isoformat(),
            "stage": stage,
            "segment": segment,
            "survey": survey_id,
            "period": period,
        },
        **_at(_counts(session, cohort), None),
        "perception": _perception(session, cohort),
        "value": _value(session, cohort),
        "byStage": {key: _at(by_stage, key) for key in (*STAGES, *sorted(set().union(*by_stage) - set(STAGES)))},
    }
    if period is not None:
        by_period = _counts(session, cohort, period)
        result["byPeriod"] = [
            {"start": start, **_at(by_period, start)} for start in _buckets(set().union(*by_period), period)
        ]
    return result


def nps(session: Session, cohort: Cohort) -> dict:
    """NPS over the cohort's completed answers to NPS surveys, with its counts and 95% margin of error."""
    return _at(_counts(session, cohort), None)["nps"]


def csat(session: Session, cohort: Cohort) -> dict:
    """CSAT (share of 4–5 on 1–5) over the cohort's completed answers to CSAT surveys."""
    return _at(_counts(session, cohort), None)["csat"]


def response_rate(session: Session, cohort: Cohort) -> dict:
    """Displays answered (completed) ÷ displays shown."""
    return _at(_counts(session, cohort), None)["responseRate"]


def nps_from_counts(n: int, promoters: int, detractors: int) -> dict:
    """NPS = %promoters − %detractors; margin of error 1.96·√((p + d − (p − d)²) / n)·100, None below 2 answers."""
    p, d = (promoters / n, detractors / n) if n else (0.0, 0.0)
    return {
        "score": (p - d) * 100 if n else None,
        "n": n,
        "promoters": promoters,
        "passives": n - promoters - detractors,
        "detractors": detractors,
        "marginOfError": 1.96 * math.sqrt((p + d - (p - d) ** 2) / n) * 100 if n >= 2 else None,
    }


def _at(counts: list[dict], key) -> dict:
    """The scores of one group from the counts of _counts (zeros when the group has no rows)."""
    (n, promoters, detractors), (answers, satisfied), (shown, answered) = (
        counts[0].get(key, (0, 0, 0)),
        counts[1].get(key, (0, 0)),
        counts[2].get(key, (0, 0)),
    )
    return {
        "nps": nps_from_counts(n, promoters, detractors),
        "csat": {"score": satisfied / answers if answers else None, "n": answers, "satisfied": satisfied},
        "responseRate": {"rate": answered / shown if shown else None, "shown": shown, "answered": answered},
    }


def _counts(session: Session, cohort: Cohort, by: str | None = None) -> list[dict]:
    """NPS, CSAT and display counts per group of `by` (stage, week, month; None: one group keyed None): 3 queries."""
    scored = (Response.completed.is_(True), Response.score.is_not(None), *cohort.where(Response, Response.created_at))
    nps_stmt = (
        select(func.count(), _count(Response.score >= 9), _count(Response.score <= 6))
        .select_from(Response)
        .join(Survey, Survey.id == Response.survey_id)
        .where(Survey.kind == "nps", *scored)
    )
    csat_stmt = (
        select(func.count(), _count(Response.score >= 4))
        .select_from(Response)
        .join(Survey, Survey.id == Response.survey_id)
        .where(Survey.kind == "csat", *scored)
    )
    rate_stmt = (
        select(func.count(), func.count(Display.answered_at))
        .select_from(Display)
        .where(*cohort.where(Display, Display.shown_at))
    )
    return [
        _grouped(session, nps_stmt, _key(by, Response, Response.created_at)),
        _grouped(session, csat_stmt, _key(by, Response, Response.created_at)),
        _grouped(session, rate_stmt, _key(by, Display, Display.shown_at)),
    ]


def _count(condition):
    return func.count(case((condition, 1)))


def _grouped(session: Session, stmt, key) -> dict:
    """The aggregate row of `stmt` per value of `key` (the one row under None when key is None); a tuple of
    columns groups by all of them, each row under the tuple of their values."""
    if key is None:
        return {None: tuple(session.execute(stmt).one())}
    keys = key if isinstance(key, tuple) else (key,)
    n = len(keys)
    rows = session.execute(stmt.add_columns(*keys).group_by(*keys))
    return {(tuple(row[-n:]) if n > 1 else row[-1]): tuple(row[:-n]) for row in rows}


def _key(by: str | None, model, at):
    if by is None:
        return None
    if by.startswith("stage+"):  # "stage+week": each stage's weeks, in one query
        return model.stage, PERIOD_STARTS[by.removeprefix("stage+")](at)
    return model.stage if by == "stage" else PERIOD_STARTS[by](at)


def by_stage_and_period(session: Session, project_id: int, survey_id: int, period: str) -> dict[tuple, dict]:
    """NPS, CSAT and response rate of one survey per (journey stage, period start), in 3 queries."""
    counts = _counts(session, Cohort(project_id, survey_id=survey_id), f"stage+{period}")
    return {key: _at(counts, key) for key in set().union(*counts)}


def _buckets(groups: Collection[str], period: str) -> list[str]:
    """Every period start from the first with data to the last, so that empty weeks or months show as empty."""
    if not groups:
        return []
    day, last, starts = date.fromisoformat(min(groups)), date.fromisoformat(max(groups)), []
    while day <= last:
        starts.append(day.isoformat())
        day = day + timedelta(days=7) if period == "week" else (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return starts


# --- P − E and value gaps ----------------------------------------------------------------------------------


def perception_gaps(session: Session, project_id: int, since, until, person_ids_stmt=None) -> list[dict]:
    """Per dimension answered on both sides: mean perception − mean expectation on a 7-point scale (< 0: below)."""
    return _perception(session, Cohort(project_id, since, until, people=person_ids_stmt), spread=True)["dimensions"]


def value_gaps(session: Session, project_id: int, since, until, person_ids_stmt=None) -> list[dict]:
    """Per dimension answered on both sides: mean realised − mean expected value, in points of a 0–100 scale."""
    return _value(session, Cohort(project_id, since, until, people=person_ids_stmt), spread=True)


def _perception(session: Session, cohort: Cohort, spread: bool = False) -> dict:
    """P − E per dimension and overall; `spread` adds each side's sample variance (for the gap engine's intervals)."""
    questions = _tagged(session, cohort, ("expectation", "perception"))
    means, features = _means(session, cohort, questions), _feature_keys(session, cohort.project_id)
    rows = []
    for dim in _paired(means, "expectation", "perception"):
        (e, ne, ve), (p, np_, vp) = means["expectation", dim], means["perception", dim]
        weights = [q["weight"] for q in questions if q["dimension"] == dim and q["weight"] is not None]
        rows.append(
            {
                "dimension": dim,
                "feature": dim in features,
                "expectation": e,
                "perception": p,
                "gap": p - e,
                "nExpectation": ne,
                "nPerception": np_,
                "weight": max(weights) if weights else None,
                **({"varExpectation": ve, "varPerception": vp} if spread else {}),
            }
        )
    # Importance points weigh the gaps only when every dimension has them; otherwise each dimension counts the same.
    weighted = all(r["weight"] is not None for r in rows) and sum(r["weight"] for r in rows) > 0
    overall = (
        sum(r["gap"] * r["weight"] for r in rows) / sum(r["weight"] for r in rows)
        if weighted
        else sum(r["gap"] for r in rows) / len(rows)
        if rows
        else None
    )
    by = ("importance" if weighted else "mean") if rows else None
    return {"dimensions": rows, "weighted": overall, "weightedBy": by}


def _value(session: Session, cohort: Cohort, spread: bool = False) -> list[dict]:
    means = _means(session, cohort, _tagged(session, cohort, ("value_expected", "value_realised")))
    rows = []
    for dim in _paired(means, "value_expected", "value_realised"):
        (expected, n_expected, var_expected), (realised, n_realised, var_realised) = (
            means["value_expected", dim],
            means["value_realised", dim],
        )
        rows.append(
            {
                "dimension": dim,
                "expected": expected,
                "realised": realised,
                "gap": realised - expected,
                "nExpected": n_expected,
                "nRealised": n_realised,
                **({"varExpected": var_expected, "varRealised": var_realised} if spread else {}),
            }
        )
    return rows


def people_below(
    session: Session, project_id: int, since, until, kind: str, dimension: str | None, person_ids_stmt=None
) -> Select:
    """The people who answered both sides of a dimension in the window and whose own perception (kind
    "perception") or realised value (kind "value") is under their own expectation: the people a perception or
    value gap is about."""
    first, second = ("expectation", "perception") if kind == "perception" else ("value_expected", "value_realised")
    cohort = Cohort(project_id, since, until, people=person_ids_stmt)
    questions = [q for q in _tagged(session, cohort, (first, second)) if q["dimension"] == dimension]
    if not questions:
        return select(Response.person_id).where(false())
    answers = (
        select(Response.survey_id, Response.person_id, Response.answers)
        .where(
            Response.survey_id.in_(sorted({q["survey_id"] for q in questions})),
            *cohort.where(Response, Response.created_at),
        )
        .cte("dimension_answers")
    )
    parts = [
        select(
            answers.c.person_id.label("person_id"),
            cast(literal(q["measures"]), String).label("measures"),
            _rescaled(json_number(answers.c.answers, literal(q["id"])), q).label("value"),
        ).where(answers.c.survey_id == q["survey_id"])
        for q in questions
    ]
    values = union_all(*parts).subquery()
    side = {m: func.avg(case((values.c.measures == m, values.c.value))) for m in (first, second)}
    return (
        select(values.c.person_id)
        .where(values.c.value.is_not(None))
        .group_by(values.c.person_id)
        .having(side[second] < side[first])
    )


def low_raters(session: Session, project_id: int, since, until, feature_key: str) -> Select:
    """The people who rated a feature 1–3 in a CSAT survey linked to it (the same link as csat_by_feature)."""
    surveys = [sid for sid, keys in _csat_links(session, project_id).items() if feature_key in keys]
    return select(Response.person_id).where(
        Response.survey_id.in_(surveys),
        Response.completed.is_(True),
        Response.score.is_not(None),
        Response.score <= 3,
        *Cohort(project_id, since, until).where(Response, Response.created_at),
    )


def _paired(means: dict, first: str, second: str) -> list:
    dims = {dim for measure, dim in means if measure == first} & {dim for measure, dim in means if measure == second}
    return sorted(dims, key=lambda dim: (dim is not None, dim or ""))  # the dimension-less (overall) pair first


def _tagged(session: Session, cohort: Cohort, measures: tuple) -> list[dict]:
    """The project's scale questions measuring one of `measures` (a loop over surveys, never over answers)."""
    stmt = select(Survey.id, Survey.content).where(Survey.project_id == cohort.project_id)
    if cohort.survey_id is not None:
        stmt = stmt.where(Survey.id == cohort.survey_id)
    tagged = []
    for survey_id, content in session.execute(stmt):
        for q in (content or {}).get("questions", []):
            # An NPS question (0–10, "would you recommend") enters P − E only when tagged with a dimension: then it
            # rates that dimension and is rescaled to 1–7 like a rating. Value questions are all rescaled to 0–100.
            if q.get("measures") not in measures or (
                q["type"] == "nps" and not q.get("dimension") and q["measures"] in ("expectation", "perception")
            ):
                continue
            low, high = (0, 10) if q["type"] == "nps" else (1, q.get("scale") or 5)
            tagged.append(
                {
                    "survey_id": survey_id,
                    "id": q["id"],
                    "measures": q["measures"],
                    "dimension": q.get("dimension"),
                    "weight": q.get("weight"),
                    "low": low,
                    "high": high,
                }
            )
    return tagged


def _means(session: Session, cohort: Cohort, questions: list[dict]) -> dict:
    """{(measures, dimension): (mean, n, sample variance)} over every answer given (complete or not: an answer
    stands on its own)."""
    if not questions:
        return {}
    surveyed = Response.survey_id.in_(sorted({q["survey_id"] for q in questions}))
    answers = (
        select(Response.survey_id, Response.answers)
        .where(surveyed, *cohort.where(Response, Response.created_at))
        .cte("cohort_answers")
    )
    parts = [
        select(
            cast(literal(q["measures"]), String).label("measures"),
            cast(literal(q["dimension"]), String).label("dimension"),
            _rescaled(json_number(answers.c.answers, literal(q["id"])), q).label("value"),
        ).where(answers.c.survey_id == q["survey_id"])
        for q in questions
    ]
    values = union_all(*parts).subquery()
    stmt = select(
        values.c.measures,
        values.c.dimension,
        func.avg(values.c.value),
        func.count(values.c.value),
        func.avg(values.c.value * values.c.value),
    ).group_by(values.c.measures, values.c.dimension)
    return {
        (m, dim): (float(mean), n, _variance(float(mean), float(squares), n))
        for m, dim, mean, n, squares in session.execute(stmt)
        if n
    }


def _variance(mean: float, mean_of_squares: float, n: int) -> float:
    """The sample variance from the mean and the mean of squares (0 for a single answer)."""
    return max(mean_of_squares - mean * mean, 0.0) * n / (n - 1) if n > 1 else 0.0


def _rescaled(value, q: dict):
    """An answer moved linearly from its question's scale onto its measure's scale; NULL when off its scale."""
    low, high = SCALES[q["measures"]]
    factor = (high - low) / (q["high"] - q["low"])
    return case((value.between(q["low"], q["high"]), low + (value - q["low"]) * factor))


def _feature_keys(session: Session, project_id: int) -> set[str]:
    return set(session.scalars(select(Feature.key).where(Feature.project_id == project_id)))


def csat_by_feature(session: Session, project_id: int, since, until, people=None) -> dict[str, dict]:
    """{feature key: {"score", "n"}}: CSAT of the surveys linked to a feature by trigger or by scored dimension
    (of the answers of `people`, a SELECT of person ids, when given)."""
    linked = _csat_links(session, project_id)
    totals = {key: [0, 0] for keys in linked.values() for key in keys}
    if linked:
        stmt = (
            select(Response.survey_id, func.count(), _count(Response.score >= 4))
            .where(
                Response.survey_id.in_(list(linked)),
                Response.completed.is_(True),
                Response.score.is_not(None),
                *Cohort(project_id, since, until, people=people).where(Response, Response.created_at),
            )
            .group_by(Response.survey_id)
        )
        for survey_id, n, satisfied in session.execute(stmt):
            for key in linked[survey_id]:
                totals[key][0] += n
                totals[key][1] += satisfied
    return {key: {"score": satisfied / n if n else None, "n": n} for key, (n, satisfied) in totals.items()}


def _csat_links(session: Session, project_id: int) -> dict[int, set[str]]:
    """{survey id: the feature keys it rates}: CSAT surveys linked to a feature by trigger or by scored dimension."""
    features, linked = _feature_keys(session, project_id), {}
    rows = session.execute(
        select(Survey.id, Survey.kind, Survey.content, Survey.targeting).where(Survey.project_id == project_id)
    )
    for survey_id, kind, content, targeting in rows:
        scored = next((q for q in (content or {}).get("questions", []) if q["type"] in ("nps", "rating")), None)
        # Response.score holds this question's answer. A 1–5 rating of an expectation is not a satisfaction.
        if kind != "csat" and (
            scored is None
            or scored["type"] != "rating"
            or scored.get("scale") != 5
            or scored.get("measures") in ("expectation", "value_expected")
        ):
            continue
        keys = features & {((targeting or {}).get("trigger") or {}).get("feature"), (scored or {}).get("dimension")}
        if keys:
            linked[survey_id] = keys
    return linked
