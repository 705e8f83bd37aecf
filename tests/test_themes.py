"""Themes of open-text answers: quality on two labelled sets, odd answers, quotes, trends, features, caps."""

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gapwise.core.surveys import analysis, themes
from gapwise.core.surveys.themes import ThemeInput
from gapwise.db import db
from gapwise.models import Survey
from tests.helpers import AdminApi, message

DATA = Path(__file__).parent / "data"
MONDAY = datetime(2026, 11, 2, tzinfo=UTC)
TUNED = json.loads((DATA / "feedback_themes.json").read_text())
HOLDOUT = json.loads((DATA / "feedback_themes_holdout.json").read_text())
ODD = [
    "ok",
    "n/a",
    "nothing",
    "",
    "   ",
    "👍",
    "🙂🙂🙂",
    "...",
    "12345",
    "\x00\x01",
    "Alles gut, danke",
    "很好用",
    "x" * 5000,
]


def inputs(texts: list[str], hours: int = 1) -> list[ThemeInput]:
    return [ThemeInput(i, t, MONDAY + timedelta(hours=hours * i), 100 + i) for i, t in enumerate(texts)]


def grouped(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(themes, [Other] or []) of the labelled rows; answer ids are row indices."""
    found = themes.group(inputs([r["text"] for r in rows]))
    return [t for t in found if not t["other"]], [t for t in found if t["other"]]


@pytest.mark.parametrize("rows, at_least", [(TUNED, 0.95), (HOLDOUT, 0.9)], ids=["tuned", "holdout"])
def test_labelled_answers_fall_into_pure_themes_without_splitting_or_hiding_them(rows, at_least):
    found, other = grouped(rows)
    labels = {r["label"] for r in rows} - {"noise"}
    in_themes = sum(t["count"] for t in found)
    purity = sum(Counter(rows[i]["label"] for i in t["answerIds"]).most_common(1)[0][1] for t in found) / in_themes
    # Inverse purity: how much of each label its best theme holds, so many tiny pure themes score low.
    inverse = sum(max(sum(rows[i]["label"] == label for i in t["answerIds"]) for t in found) for label in labels) / sum(
        r["label"] != "noise" for r in rows
    )
    assert purity >= at_least and inverse >= at_least
    assert len(labels) <= len(found) <= 2 * len(labels)
    assert other and other[0]["count"] / len(rows) < 0.12
    assert {i for i, r in enumerate(rows) if r["label"] == "noise"} <= set(other[0]["answerIds"])


def test_the_same_answers_give_the_same_themes_in_any_order():
    answers = inputs([r["text"] for r in TUNED])
    once = themes.group(answers)
    assert themes.group(list(answers)) == once
    assert themes.group(list(reversed(answers))) == once


@pytest.mark.parametrize("text", ODD, ids=range(len(ODD)))
def test_odd_answers_among_real_ones_go_to_other(text):
    rows = [*TUNED, {"text": text, "label": "odd"}]
    found, other = grouped(rows)
    assert len(rows) - 1 in other[0]["answerIds"]
    assert sum(t["count"] for t in found) + other[0]["count"] == len(rows)


def test_only_odd_answers_give_only_other_and_no_answers_give_nothing():
    assert [(t["label"], t["count"], t["other"]) for t in themes.group(inputs(ODD))] == [("Other", len(ODD), True)]
    assert themes.group([]) == []


def test_repeated_answers_count_once_each_and_make_one_theme():
    rows = [{"text": "Dark mode please", "label": "design"}] * 6 + [{"text": "too expensive", "label": "pricing"}] * 5
    found, other = grouped(rows)
    assert sorted((t["count"], t["label"].split(" · ")[0]) for t in found) == [(5, "pricing"), (6, "design")]
    assert all(len(t["quotes"]) == 1 for t in found) and not other


def test_each_theme_reads_as_words_and_quotes_its_own_distinct_answers():
    found, _ = grouped(TUNED)
    for theme in found:
        assert 2 <= len(theme["label"].split(" · ")) <= 3 and all(w.replace(" ", "").isalpha() for w in theme["terms"])
        ids = [q["id"] for q in theme["quotes"]]
        assert len(ids) == 3 and set(ids) <= set(theme["answerIds"])
        assert len({q["text"] for q in theme["quotes"]}) == 3
        assert all(q["personId"] == 100 + q["id"] for q in theme["quotes"])
    assert sum(t["share"] for t in themes.group(inputs([r["text"] for r in TUNED]))) == pytest.approx(1)


def test_trend_lists_every_week_from_the_first_answer_to_the_last_including_empty_ones():
    texts = ["export to csv", "csv export broken", "export as csv please", "no csv export?"]
    weeks = [0, 0, 3, 3]  # two answers in week one, none in weeks two and three, two in week four
    answers = [
        ThemeInput(i, t, MONDAY + timedelta(weeks=w, days=6), i)
        for i, (t, w) in enumerate(zip(texts, weeks, strict=True))
    ]
    (theme,) = themes.group(answers)
    assert theme["trend"] == [
        {"start": "2026-11-02", "count": 2},
        {"start": "2026-11-09", "count": 0},
        {"start": "2026-11-16", "count": 0},
        {"start": "2026-11-23", "count": 2},
    ]
    assert sum(w["count"] for w in theme["trend"]) == theme["count"]


def test_a_theme_links_to_the_feature_its_words_name():
    features = [("csv_export", "CSV export"), ("sso", "Single sign-on"), ("search-bar", "Search bar")]
    found = {
        t["label"].split(" · ")[0]: t["feature"] for t in themes.group(inputs([r["text"] for r in TUNED]), features)
    }
    assert found["export"] == "csv_export" and found["search"] == "search-bar"
    assert found["pricing"] is None and found["Other"] is None


def test_a_theme_names_a_feature_only_when_its_answers_say_the_features_words():
    """Crash reports mentioning e-mail share a concept with notifications, but name no "alerts" feature."""
    crashes = ["The app crashes and I get an error email", "Crashed again, error email every hour", "Error after error"]
    found = themes.group(inputs(crashes * 2), [("alerts", "Alerts"), ("crash_reports", "Crash reports")])
    assert [t["feature"] for t in found if not t["other"]] == ["crash_reports"]
    assert [t["feature"] for t in themes.group(inputs(crashes * 2), [("alerts", "Alerts")])] == [None]


def test_the_newest_answers_are_grouped_each_cut_to_its_first_characters():
    answers = inputs([TUNED[i % 150]["text"] + " " + "y" * 2000 for i in range(themes.MAX_ANSWERS + 100)], hours=1)
    found = themes.group(answers)
    ids = {i for t in found for i in t["answerIds"]}
    assert len(ids) == themes.MAX_ANSWERS and min(ids) == 100  # the 100 oldest are left out
    assert all(len(q["text"]) == themes.MAX_CHARS for t in found for q in t["quotes"])


# --- reading a survey's answers -----------------------------------------------------------------------------

SURVEY = {
    "name": "Feedback",
    "kind": "custom",
    "status": "active",
    "questions": [
        {"id": "score", "type": "rating", "scale": 5, "text": "Happy?"},
        {"id": "why", "type": "text", "text": "What should we improve?"},
    ],
}


def answered(survey_id, person, text, at, completed=True):
    return message(
        "survey",
        anonymousId=person,
        surveyId=str(survey_id),
        action="answered",
        answers={"score": 3, "why": text},
        displayId=f"{survey_id}-{person}",
        completed=completed,
        timestamp=at,
    )


def themes_of(project_id, survey, filters):
    """What the results page shows of the survey's open-text question under these filters."""
    where = analysis.conditions(db.session, project_id, survey, filters)
    return next(q for q in analysis.analyse(db.session, project_id, survey, where)["questions"] if q["type"] == "text")


def test_the_results_group_the_projects_answers_that_match_the_filters(
    app, client, batches, project, other_project, monkeypatch
):
    ours = AdminApi(client, project.secret_key, "surveys").post(json=SURVEY).get_json()["id"]
    theirs = AdminApi(client, other_project.secret_key, "surveys").post(json=SURVEY).get_json()["id"]
    slow = ["so slow", "pages load slowly", "too slow to load", "slow slow slow"]
    messages = [answered(ours, f"p{i}", t, f"2026-11-{10 + i}T10:00:00Z") for i, t in enumerate(slow)]
    messages += [
        answered(ours, "old", "slow reports", "2026-10-01T10:00:00Z"),
        answered(ours, "partial", "slow everything", "2026-11-20T10:00:00Z", completed=False),
        answered(ours, "blank", "   ", "2026-11-20T10:00:00Z"),
    ]
    assert batches.post(messages, sent_at=None).get_json()["rejected"] == []
    other = [answered(theirs, f"o{i}", "slow", "2026-11-12T10:00:00Z") for i in range(3)]
    assert batches.post(other, write_key=other_project.write_key, sent_at=None).get_json()["rejected"] == []

    with app.app_context():
        survey = db.session.get(Survey, ours)
        filters = {"completed": True, "since": datetime(2026, 11, 1, tzinfo=UTC)}
        question = themes_of(project.id, survey, filters)
        assert (question["id"], question["text"], question["n"], question["capped"]) == (
            "why",
            "What should we improve?",
            4,
            False,
        )
        (theme,) = question["themes"]
        assert theme["count"] == 4 and theme["label"].startswith("speed")
        assert {q["text"] for q in theme["quotes"]} <= set(slow)
        assert themes_of(project.id, survey, {})["n"] == 6
        stolen = themes_of(project.id, db.session.get(Survey, theirs), {})
        assert stolen["n"] == 0 and stolen["themes"] == []
        monkeypatch.setattr(themes, "MAX_ANSWERS", 3)
        newest = themes_of(project.id, survey, {})
        assert newest["capped"] is True and newest["n"] == 3
        assert {q["text"] for t in newest["themes"] for q in t["quotes"]} <= {
            "slow everything",
            "slow slow slow",
            "too slow to load",
        }
