"""Scores: NPS with its margin of error, CSAT, response rate, P − E and value gaps, filtered and broken down."""

import math

import pytest
from sqlalchemy import event, select

from gapwise.core.surveys import scores
from gapwise.db import db
from gapwise.models import Person, PersonAlias, Response
from tests.helpers import AdminApi, message, utc

NPS = {"name": "NPS", "kind": "nps", "questions": [{"id": "score", "type": "nps", "text": "Recommend us?"}]}
CSAT = {"name": "CSAT", "kind": "csat", "questions": [{"id": "csat", "type": "rating", "scale": 5, "text": "Happy?"}]}
EXPORT = {"key": "export", "name": "Export reports", "event": "Report Exported"}


def rating(qid, measures, dimension, scale=7, weight=None, kind="rating"):
    question = {"id": qid, "type": kind, "text": qid, "measures": measures, "dimension": dimension}
    return question | ({"scale": scale} if kind == "rating" else {}) | ({"weight": weight} if weight else {})


def servqual(weights=(None, None)):
    """Expectations and perceptions of two dimensions; responsiveness perceived on a 5-point scale."""
    return {
        "name": "Service quality",
        "kind": "custom",
        "questions": [
            rating("e_rel", "expectation", "reliability", weight=weights[0]),
            rating("p_rel", "perception", "reliability", weight=weights[0]),
            rating("e_resp", "expectation", "responsiveness", weight=weights[1]),
            rating("p_resp", "perception", "responsiveness", scale=5, weight=weights[1]),
        ],
    }


VALUE = {
    "name": "Value",
    "kind": "custom",
    "questions": [rating("v_exp", "value_expected", "export"), rating("v_real", "value_realised", "export", scale=5)],
}


@pytest.fixture
def api(client, project):
    return AdminApi(client, project.secret_key, "scores")


@pytest.fixture
def create(client, project):
    """Create an active survey (or a feature, given resource="features") and return its id."""

    def make(body, resource="surveys"):
        response = AdminApi(client, project.secret_key, resource).post(json={**body, "status": "active"})
        assert response.status_code == 201, response.get_json()
        return response.get_json().get("id")

    return make


def answered(survey_id, person, answers, at="2026-11-23T10:00:00Z", completed=True):
    return message(
        "survey",
        anonymousId=person,
        surveyId=str(survey_id),
        action="answered",
        answers=answers,
        displayId=f"{survey_id}-{person}",
        completed=completed,
        timestamp=at,
    )


def shown(survey_id, person, action="shown", at="2026-11-23T10:00:00Z"):
    return message(
        "survey",
        anonymousId=person,
        surveyId=str(survey_id),
        action=action,
        answers={},
        displayId=f"{survey_id}-{person}",
        timestamp=at,
    )


def send(batches, messages):
    """Post with the client's timestamps kept as they are (no sentAt: no clock correction)."""
    response = batches.post(messages, sent_at=None)
    assert response.status_code == 200 and response.get_json()["rejected"] == [], response.get_json()


def test_nps_counts_promoters_passives_detractors_with_the_exact_margin_of_error(api, create, batches):
    nps, csat = create(NPS), create(CSAT)
    send(
        batches,
        [answered(nps, f"p{i}", {"score": s}) for i, s in enumerate([10, 10, 9, 9, 9, 8, 7, 6, 3, 0])]
        + [answered(nps, "partial", {"score": 0}, completed=False), answered(csat, "p0", {"csat": 1})],
    )
    # p = 5/10, d = 3/10: NPS = 50 − 30 = 20; MoE = 1.96 · √((0.5 + 0.3 − 0.2²) / 10) · 100 = 196 · √0.076 ≈ 54.03
    assert api.get().get_json()["nps"] == {
        "score": pytest.approx(20),
        "n": 10,
        "promoters": 5,
        "passives": 2,
        "detractors": 3,
        "marginOfError": pytest.approx(54.0334711),
    }


@pytest.mark.parametrize(
    "answers, score, margin",
    [
        ([9], 100, None),  # one answer: a score, but no margin of error
        ([10, 0], 0, 196 * math.sqrt(0.5)),  # p = d = 0.5: √((1 − 0) / 2)
        ([6, 6, 6], -100, 0),  # all detractors: p + d − (p − d)² = 1 − 1
    ],
)
def test_tiny_cohorts(api, create, batches, answers, score, margin):
    survey = create(NPS)
    send(batches, [answered(survey, f"p{i}", {"score": s}) for i, s in enumerate(answers)])
    nps = api.get().get_json()["nps"]
    assert (nps["n"], nps["score"]) == (len(answers), pytest.approx(score))
    assert nps["marginOfError"] == (None if margin is None else pytest.approx(margin))


def test_csat_is_the_share_of_four_and_five(api, create, batches):
    survey, nps = create(CSAT), create(NPS)
    send(
        batches,
        [answered(survey, f"p{i}", {"csat": s}) for i, s in enumerate([5, 4, 4, 3, 1])]
        + [answered(nps, "p0", {"score": 10})],
    )
    assert api.get().get_json()["csat"] == {"score": pytest.approx(0.6), "n": 5, "satisfied": 3}


def test_response_rate_is_completed_answers_over_displays(api, create, batches):
    survey = create(CSAT)
    send(
        batches,
        [
            shown(survey, "a"),
            answered(survey, "a", {"csat": 5}),
            answered(survey, "b", {"csat": 2}),
            shown(survey, "c"),
            shown(survey, "c", "dismissed"),
            shown(survey, "d"),
            answered(survey, "e", {"csat": 4}, completed=False),
        ],
    )
    assert api.get().get_json()["responseRate"] == {"rate": pytest.approx(0.4), "shown": 5, "answered": 2}


def test_an_empty_project_has_no_scores_and_no_errors(api):
    response = api.get("?period=week")
    assert response.status_code == 200
    body = response.get_json()
    assert body["nps"] == {"score": None, "n": 0, "promoters": 0, "passives": 0, "detractors": 0, "marginOfError": None}
    assert body["csat"] == {"score": None, "n": 0, "satisfied": 0}
    assert body["responseRate"] == {"rate": None, "shown": 0, "answered": 0}
    assert body["perception"] == {"dimensions": [], "weighted": None, "weightedBy": None}
    assert body["value"] == [] and body["byPeriod"] == []
    assert {stage: s["nps"]["score"] for stage, s in body["byStage"].items()} == dict.fromkeys(
        ["trial", "aha", "activation", "adoption"]
    )


@pytest.mark.parametrize(
    "weights, weighted, weighted_by",
    [
        ((60, 40), (60 * -0.5 + 40 * 0.5) / 100, "importance"),
        ((None, None), (-0.5 + 0.5) / 2, "mean"),
        ((60, None), (-0.5 + 0.5) / 2, "mean"),  # importance weighs the gaps only when every dimension has it
    ],
)
def test_perception_minus_expectation_per_dimension(api, create, batches, weights, weighted, weighted_by):
    survey = create(servqual(weights))
    # A 5-point answer v sits at 1 + (v − 1) · 6/4 on the 7-point scale: 5 → 7, 3 → 4. A partial answer counts.
    send(
        batches,
        [
            answered(survey, "a", {"e_rel": 7, "p_rel": 5, "e_resp": 4, "p_resp": 5}),
            answered(survey, "b", {"e_rel": 6, "p_rel": 6, "e_resp": 6, "p_resp": 3}),
            answered(survey, "c", {"e_rel": 5}, completed=False),
        ],
    )
    perception = api.get().get_json()["perception"]
    reliability, responsiveness = perception["dimensions"]
    # Reliability: E = (7 + 6 + 5) / 3 = 6, P = (5 + 6) / 2 = 5.5. Responsiveness: E = 5, P = (7 + 4) / 2 = 5.5.
    assert reliability == {
        "dimension": "reliability",
        "feature": False,
        "expectation": pytest.approx(6),
        "perception": pytest.approx(5.5),
        "gap": pytest.approx(-0.5),
        "nExpectation": 3,
        "nPerception": 2,
        "weight": weights[0],
    }
    assert (responsiveness["expectation"], responsiveness["perception"]) == (5, pytest.approx(5.5))
    assert responsiveness["gap"] == pytest.approx(0.5)
    assert (perception["weighted"], perception["weightedBy"]) == (pytest.approx(weighted), weighted_by)


def test_nps_questions_enter_p_minus_e_only_with_a_dimension(api, create, batches):
    create(EXPORT, "features")
    expectations = create(
        {
            "name": "E",
            "kind": "custom",
            "questions": [rating("e_export", "expectation", "export"), rating("e_overall", "expectation", None)],
        }
    )
    nps = create(
        {
            **NPS,
            "questions": [
                rating("score", "perception", None, kind="nps"),
                rating("export", "perception", "export", kind="nps"),
            ],
        }
    )
    send(
        batches,
        [answered(expectations, "a", {"e_export": 4, "e_overall": 2}), answered(nps, "a", {"score": 0, "export": 5})],
    )
    # 5 on 0–10 is 1 + 5 · 0.6 = 4 on 1–7; the dimension-less NPS answer pairs with nothing.
    [export] = api.get().get_json()["perception"]["dimensions"]
    assert (export["dimension"], export["feature"], export["gap"]) == ("export", True, pytest.approx(0))


def test_answers_given_before_a_question_changed_type_are_left_out(client, api, create, batches, project):
    survey = create(
        {
            "name": "Q",
            "kind": "custom",
            "questions": [{"id": "e", "type": "text", "text": "Hopes?"}, rating("p", "perception", "reliability")],
        }
    )
    send(batches, [answered(survey, "a", {"e": "fast", "p": 6})])
    changed = AdminApi(client, project.secret_key, "surveys").patch(
        f"/{survey}",
        json={"questions": [rating("e", "expectation", "reliability"), rating("p", "perception", "reliability")]},
    )
    assert changed.status_code == 200, changed.get_json()
    send(batches, [answered(survey, "b", {"e": 5, "p": 4})])
    [reliability] = api.get().get_json()["perception"]["dimensions"]
    assert (reliability["nExpectation"], reliability["nPerception"], reliability["gap"]) == (1, 2, 0)


def test_value_gap_in_points_of_the_scale(api, create, batches):
    survey = create(VALUE)
    # Expected on 1–7: 7 → 100, 4 → 50; realised on 1–5: 2 → 25, 3 → 50.
    send(batches, [answered(survey, "a", {"v_exp": 7, "v_real": 2}), answered(survey, "b", {"v_exp": 4, "v_real": 3})])
    assert api.get().get_json()["value"] == [
        {
            "dimension": "export",
            "expected": pytest.approx(75),
            "realised": pytest.approx(37.5),
            "gap": pytest.approx(-37.5),
            "nExpected": 2,
            "nRealised": 2,
        }
    ]


def test_by_stage_groups_by_the_stage_each_answer_was_stamped_with(api, create, batches):
    create({**EXPORT, "aha": True}, "features")
    nps, csat = create(NPS), create(CSAT)
    send(
        batches,
        [
            answered(csat, "later", {"csat": 5}, at="2026-11-20T09:00:00Z"),  # still on trial
            message(
                "track",
                anonymousId="later",
                event="feature_used",
                properties={"feature": "export"},
                timestamp="2026-11-20T09:30:00Z",
            ),  # the aha moment
            answered(nps, "later", {"score": 10}, at="2026-11-20T10:00:00Z"),
            answered(nps, "early", {"score": 3}, at="2026-11-20T10:00:00Z"),
        ],
    )
    body = api.get().get_json()
    assert {
        stage: (s["nps"]["n"], s["nps"]["score"], s["csat"]["n"], s["responseRate"]["shown"])
        for stage, s in body["byStage"].items()
    } == {"trial": (1, -100, 1, 2), "aha": (1, 100, 0, 1), "activation": (0, None, 0, 0), "adoption": (0, None, 0, 0)}
    stamped = sorted(r.stage for r in batches.all(Response))
    assert stamped == ["aha", "trial", "trial"]
    assert api.get("?stage=aha").get_json()["nps"]["promoters"] == 1
    assert api.get("?stage=adoption").get_json()["nps"]["n"] == 0


def test_by_week_and_month_in_utc_with_empty_periods_listed(api, create, batches):
    nps, csat = create(NPS), create(CSAT)
    send(
        batches,
        [
            answered(nps, "a", {"score": 10}, at="2026-11-02T00:00:00Z"),  # a Monday
            answered(nps, "b", {"score": 0}, at="2026-11-08T23:59:59Z"),  # the Sunday after
            answered(nps, "c", {"score": 9}, at="2026-11-16T08:00:00+02:00"),  # the Monday two weeks on
            answered(csat, "c", {"csat": 5}, at="2026-11-01T01:00:00+02:00"),
        ],
    )  # October 31st in UTC
    weeks = api.get("?period=week").get_json()["byPeriod"]
    assert [(w["start"], w["nps"]["n"], w["csat"]["n"]) for w in weeks] == [
        ("2026-10-26", 0, 1),
        ("2026-11-02", 2, 0),
        ("2026-11-09", 0, 0),
        ("2026-11-16", 1, 0),
    ]
    assert weeks[1]["nps"]["score"] == 0 and weeks[2]["nps"]["score"] is None
    months = api.get("?period=month").get_json()["byPeriod"]
    assert [(m["start"], m["nps"]["n"], m["csat"]["n"], m["responseRate"]["shown"]) for m in months] == [
        ("2026-10-01", 0, 1, 1),
        ("2026-11-01", 3, 0, 3),
    ]


def test_since_inclusive_until_exclusive(api, create, batches):
    survey = create(NPS)
    send(
        batches,
        [
            answered(survey, p, {"score": 10}, at=f"2026-11-{day}T00:00:00Z")
            for p, day in (("a", 10), ("b", 11), ("c", 12))
        ],
    )
    body = api.get("?since=2026-11-11T00:00:00Z&until=2026-11-12T00:00:00Z").get_json()
    assert (body["nps"]["n"], body["responseRate"]["shown"]) == (1, 1)
    assert body["filters"]["since"] == "2026-11-11T00:00:00+00:00"


def test_segment_and_survey_filters(client, api, create, batches, project):
    first, second = create(NPS), create(NPS)
    send(
        batches,
        [
            message("identify", anonymousId=a, userId=f"user-{a}", traits={"plan": plan})
            for a, plan in (("a", "pro"), ("b", "pro"), ("c", "free"))
        ]
        + [
            answered(first, "a", {"score": 10}),
            answered(first, "b", {"score": 9}),
            answered(first, "c", {"score": 0}),
            answered(second, "c", {"score": 2}),
        ],
    )
    pro = {
        "key": "pro",
        "name": "Pro",
        "rules": {"match": "all", "conditions": [{"field": "trait", "key": "plan", "op": "eq", "value": "pro"}]},
    }
    assert AdminApi(client, project.secret_key, "segments").post(json=pro).status_code == 201
    assert api.get("?segment=pro").get_json()["nps"] == {
        "score": 100,
        "n": 2,
        "promoters": 2,
        "passives": 0,
        "detractors": 0,
        "marginOfError": 0,
    }
    assert api.get(f"?survey={second}").get_json()["nps"]["n"] == 1
    enterprise = {
        **pro,
        "key": "enterprise",
        "rules": {"match": "all", "conditions": [{"field": "trait", "key": "plan", "op": "eq", "value": "enterprise"}]},
    }
    assert AdminApi(client, project.secret_key, "segments").post(json=enterprise).status_code == 201
    assert api.get("?segment=enterprise").get_json()["nps"]["n"] == 0
    missing = api.get("?segment=nobody")
    assert missing.status_code == 404 and missing.get_json()["code"] == "not_found"


def test_another_projects_key_sees_none_of_this_projects_data(client, api, create, batches, other_project):
    survey = create(NPS)
    send(batches, [answered(survey, "a", {"score": 10})])
    theirs = AdminApi(client, other_project.secret_key, "scores")
    assert theirs.get().get_json()["nps"]["n"] == 0 and theirs.get().get_json()["responseRate"]["shown"] == 0
    assert theirs.get(f"?survey={survey}").status_code == 404
    assert api.get().get_json()["nps"]["n"] == 1


@pytest.mark.parametrize(
    "query, field",
    [
        ("stage=expert", "stage"),
        ("period=day", "period"),
        ("since=yesterday", "since"),
        ("survey=abc", "survey"),
        ("segment=Not%20a%20key", "segment"),
        ("since=2026-11-02T00:00:00Z&until=2026-11-01T00:00:00Z", "until"),
    ],
)
def test_bad_query_args_get_422_naming_the_arg(api, query, field):
    response = api.get(f"?{query}")
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_the_secret_key_is_required(client):
    assert client.get("/api/v1/scores").status_code == 401


def test_the_number_of_statements_does_not_grow_with_the_answers(app, create, batches, project):
    survey, quality, value = create(NPS), create(servqual()), create(VALUE)

    def statements():
        seen = []
        with app.app_context():
            listener = lambda *args: seen.append(args[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                scores.scores(db.session, project.id, period="week")
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    send(batches, [answered(survey, "first", {"score": 7})])
    few = statements()
    send(
        batches,
        [
            answered(s, f"p{i}", a, at=f"2026-{m:02}-01T00:00:00Z")
            for i in range(30)
            for m in (1, 6, 11)
            for s, a in (
                (survey, {"score": i % 11}),
                (quality, {"e_rel": 3, "p_rel": 4}),
                (value, {"v_exp": 2, "v_real": 2}),
            )
        ],
    )
    assert statements() == few


# --- what the gap engine calls ------------------------------------------------------------------------------


def test_gap_engine_helpers_read_a_window_and_a_cohort(app, create, batches, project):
    quality, value = create(servqual()), create(VALUE)
    send(
        batches,
        [
            answered(quality, "a", {"e_rel": 7, "p_rel": 3}),
            answered(quality, "b", {"e_rel": 5, "p_rel": 5}),
            answered(value, "a", {"v_exp": 7, "v_real": 1}),
            answered(quality, "late", {"e_rel": 1, "p_rel": 7}, at="2026-12-01T00:00:00Z"),
        ],
    )
    since, until = utc(2026, 11, 1), utc(2026, 12, 1)
    with app.app_context():
        [everyone] = scores.perception_gaps(db.session, project.id, since, until)
        person_a = select(PersonAlias.person_id).where(PersonAlias.anonymous_id == "a")
        [only_a] = scores.perception_gaps(db.session, project.id, since, until, person_a)
        [worth] = scores.value_gaps(db.session, project.id, since, until, select(Person.id))
        nobody = select(Person.id).where(Person.project_id == 0)
        assert scores.value_gaps(db.session, project.id, since, until, nobody) == []
    assert (everyone["dimension"], everyone["gap"], everyone["nExpectation"]) == ("reliability", pytest.approx(-2), 2)
    assert (only_a["gap"], only_a["nPerception"]) == (pytest.approx(-4), 1)
    assert (worth["expected"], worth["realised"], worth["gap"]) == (100, 0, -100)


def test_csat_by_feature_through_its_trigger_or_its_dimension(app, create, batches, project):
    create(EXPORT, "features")
    create({**EXPORT, "key": "alerts", "event": "Alert Set"}, "features")
    triggered = create({**CSAT, "targeting": {"trigger": {"type": "feature", "feature": "export"}}})
    rated = create(
        {
            "name": "Alerts",
            "kind": "custom",
            "questions": [
                {"id": "why", "type": "text", "text": "Why?"},
                rating("alerts", "perception", "alerts", scale=5),
            ],
        }
    )
    nps = create({**NPS, "targeting": {"trigger": {"type": "feature", "feature": "export"}}})
    expecting = create({"name": "Hopes", "kind": "custom", "questions": [rating("e", "expectation", "alerts", 5)]})
    send(
        batches,
        [
            answered(triggered, "a", {"csat": 5}),
            answered(triggered, "b", {"csat": 2}),
            answered(rated, "a", {"alerts": 4}),
            answered(nps, "a", {"score": 10}),
            answered(expecting, "a", {"e": 1}),
            answered(triggered, "old", {"csat": 1}, at="2026-10-01T00:00:00Z"),
        ],
    )
    with app.app_context():
        by_feature = scores.csat_by_feature(db.session, project.id, utc(2026, 11, 1), utc(2026, 12, 1))
    assert by_feature == {"export": {"score": 0.5, "n": 2}, "alerts": {"score": 1.0, "n": 1}}
