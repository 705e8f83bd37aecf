"""What a survey's answers say, question by question: NPS split, score and rating distributions, choice shares.

Every share comes with its n and a 95% interval (Wilson for shares, the usual margin for NPS, t ≈ 1.96 for a
mean). The answers counted are the responses matching the results filters: stage, segment (its people today),
period, completed or partial, and one answer ("promoters of q1", "role is pm"), the same filters the response
list and its CSV use.
"""

import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import Unprocessable
from ...models import Feature, Gap, Response, Survey
from ..gaps import flags as gap_flags
from ..gaps.stats import wilson
from ..segments import definitions as segments
from ..storage.sql import json_holds_text, json_number
from . import scores
from . import themes as open_text

NPS_GROUPS = {"detractor": (0, 6), "passive": (7, 8), "promoter": (9, 10)}
GROUP_NAMES = {"detractor": "Detractors (0–6)", "passive": "Passives (7–8)", "promoter": "Promoters (9–10)"}


@dataclass(frozen=True)
class AnswerOption:
    """One value of the answer filter: `question:value`, and how it reads."""

    value: str
    label: str
    question: str


def answer_options(survey: Survey) -> list[AnswerOption]:
    """Every answer the results can be filtered by: NPS groups and scores, rating points, choices."""
    content, out = survey.content or {}, []
    for q in content.get("questions", []):
        title = _text(content, q["text"]) or q["id"]
        if q["type"] == "nps":
            out += [AnswerOption(f"{q['id']}:{g}", GROUP_NAMES[g], title) for g in ("promoter", "passive", "detractor")]
            out += [AnswerOption(f"{q['id']}:{n}", f"scored {n}", title) for n in range(11)]
        elif q["type"] == "rating":
            out += [AnswerOption(f"{q['id']}:{n}", f"rated {n}", title) for n in range(1, q["scale"] + 1)]
        elif q["type"] in ("single_choice", "multi_choice"):
            out += [
                AnswerOption(f"{q['id']}:{c['id']}", _text(content, c["label"]) or c["id"], title) for c in q["choices"]
            ]
    return out


def conditions(session: Session, project_id: int, survey: Survey, filters: dict) -> list:
    """The SQL conditions on Response of the filters (already loaded by ResponseQuerySchema, plus `segment` and
    `answer` as given); Unprocessable, with errors by field, for an unknown segment or answer."""
    where = [Response.project_id == project_id, Response.survey_id == survey.id]
    for name, condition in (
        ("stage", lambda v: Response.stage == v),
        ("completed", lambda v: Response.completed.is_(v)),
        ("since", lambda v: Response.created_at >= v),
        ("until", lambda v: Response.created_at < v),
    ):
        if filters.get(name) is not None:
            where.append(condition(filters[name]))
    if filters.get("segment"):
        known = {s.key: s for s in segments.list_segments(session, project_id)}
        if filters["segment"] not in known:
            raise Unprocessable("The filters are invalid.", errors={"segment": ["Choose a segment from the list."]})
        where.append(Response.person_id.in_(segments.person_ids_statement(project_id, known[filters["segment"]].rules)))
    if filters.get("answer"):
        where.append(_answer_condition(survey, filters["answer"]))
    return where


def _answer_condition(survey: Survey, answer: str):
    if answer not in {o.value for o in answer_options(survey)}:
        raise Unprocessable("The filters are invalid.", errors={"answer": ["Choose an answer from the list."]})
    qid, _, value = answer.partition(":")
    kind = next(q["type"] for q in survey.content["questions"] if q["id"] == qid)
    if kind in ("single_choice", "multi_choice"):
        return json_holds_text(Response.answers, qid, value)
    low, high = NPS_GROUPS.get(value, (int(value), int(value)) if value.isdigit() else (-1, -1))
    number = json_number(Response.answers, qid)
    return number.between(low, high)


def analyse(session: Session, project_id: int, survey: Survey, where: list, features=()) -> dict:
    """Per question of the survey, what the matching responses answered (one pass over their answers)."""
    content = survey.content or {}
    questions = content.get("questions", [])
    tallies: dict[str, dict] = {q["id"]: {} for q in questions}
    texts: dict[str, list] = {q["id"]: [] for q in questions if q["type"] == "text"}
    responses = 0
    stmt = (
        select(Response.id, Response.answers, Response.created_at, Response.person_id)
        .where(*where)
        .order_by(Response.created_at.desc(), Response.id.desc())
        .execution_options(yield_per=1000)
    )
    for response_id, answers, at, person_id in session.execute(stmt):
        responses += 1
        for qid, answer in (answers or {}).items():
            if qid in texts:
                if isinstance(answer, str) and answer.strip() and len(texts[qid]) <= open_text.MAX_ANSWERS:
                    texts[qid].append(open_text.ThemeInput(response_id, answer, at, person_id))
            elif qid in tallies:
                for value in answer if isinstance(answer, list) else [answer]:
                    if isinstance(value, bool) or value is None:
                        continue
                    key = f"{value:g}" if isinstance(value, float | int) else str(value)
                    tallies[qid][key] = tallies[qid].get(key, 0) + 1
                tallies[qid][None] = tallies[qid].get(None, 0) + 1  # people who answered the question
    out = []
    for q in questions:
        item = {"id": q["id"], "type": q["type"], "text": _text(content, q["text"]) or q["id"]}
        counts = tallies[q["id"]]
        if q["type"] == "nps":
            item.update(_nps(counts))
        elif q["type"] == "rating":
            item.update(_rating(counts, q["scale"], survey.kind == "csat"))
        elif q["type"] in ("single_choice", "multi_choice"):
            item.update(_choices(content, q, counts))
        else:
            item.update(_texts(texts[q["id"]], features))
        out.append(item)
    return {"responses": responses, "questions": out}


def _nps(counts: dict) -> dict:
    points = [(str(n), counts.get(str(n), 0)) for n in range(11)]
    n = sum(c for _, c in points)
    group = {g: sum(c for s, c in points if low <= int(s) <= high) for g, (low, high) in NPS_GROUPS.items()}
    score = scores.nps_from_counts(n, group["promoter"], group["detractor"])
    margin = score["marginOfError"]
    return {
        "n": n,
        "score": score["score"],
        "interval": None if margin is None else (max(-100, score["score"] - margin), min(100, score["score"] + margin)),
        "groups": [
            {"key": g, "label": GROUP_NAMES[g], **_share(group[g], n)} for g in ("promoter", "passive", "detractor")
        ],
        "distribution": [{"value": s, "label": s, **_share(c, n)} for s, c in points],
    }


def _rating(counts: dict, scale: int, satisfaction: bool) -> dict:
    points = [(n, counts.get(str(n), 0)) for n in range(1, scale + 1)]
    n = sum(c for _, c in points)
    mean = sum(v * c for v, c in points) / n if n else None
    spread = math.sqrt(sum(c * (v - mean) ** 2 for v, c in points) / (n - 1)) if n >= 2 and mean is not None else None
    out = {
        "n": n,
        "mean": mean,
        "meanInterval": None if spread is None or mean is None else _around(mean, 1.96 * spread / math.sqrt(n)),
        "distribution": [{"value": str(v), "label": str(v), **_share(c, n)} for v, c in points],
    }
    if satisfaction:  # CSAT: the share answering in the top two points of the scale
        top = sum(c for v, c in points if v >= scale - 1)
        out["satisfied"] = {"label": f"{scale - 1} or {scale}", **_share(top, n)}
    return out


def _choices(content: dict, q: dict, counts: dict) -> dict:
    n = counts.get(None, 0)
    known = {c["id"] for c in q["choices"]}
    rows = [
        {"value": c["id"], "label": _text(content, c["label"]) or c["id"], **_share(counts.get(c["id"], 0), n)}
        for c in q["choices"]
    ]
    others = sum(c for key, c in counts.items() if key is not None and key not in known)
    if others:
        rows.append({"value": None, "label": "(answers no longer among the choices)", **_share(others, n)})
    return {"n": n, "several": q["type"] == "multi_choice", "distribution": rows}


def _texts(answers: list, features) -> dict:
    """The newest MAX_ANSWERS answers grouped into themes (one more was read to tell whether some were left)."""
    kept = answers[: open_text.MAX_ANSWERS]
    return {"n": len(kept), "capped": len(answers) > len(kept), "themes": open_text.group(kept, features)}


def _share(count: int, n: int) -> dict:
    low, high = wilson(count, n) if n else (None, None)
    return {"count": count, "share": count / n if n else None, "low": low, "high": high}


def _around(value: float, margin: float) -> tuple[float, float]:
    return value - margin, value + margin


def _text(content: dict, texts: dict | None) -> str | None:
    if not texts:
        return None
    return texts.get(content.get("defaultLocale", "en")) or next(iter(texts.values()), None)


def open_gaps_by_feature(session: Session, project_id: int) -> dict[str, list[tuple[int, str]]]:
    """Per feature key, the gaps on it not yet resolved, as (id, words), so a theme can name the gap it is about."""
    rows = session.execute(
        select(Feature.key, Gap.id, Gap.key)
        .join(Gap, Gap.feature_id == Feature.id)
        .where(Feature.project_id == project_id, Gap.project_id == project_id, Gap.status != "resolved")
        .order_by(Gap.id)
    )
    out: dict[str, list[tuple[int, str]]] = {}
    for feature, gap_id, key in rows:
        out.setdefault(feature, []).append((gap_id, gap_flags.label(key)))
    return out
