"""The results page analyses: NPS split with its interval, rating and choice shares with theirs, filters by
stage, segment, period and answer, responses newest first and linked to their people, no score where none is."""

import csv
import io
import math
import re

import pytest

from gapwise.core.gaps.stats import wilson
from gapwise.core.surveys import analysis
from gapwise.db import db
from gapwise.models import Survey
from tests.test_segments import TRIALS
from tests.test_segments import Api as SegmentApi
from tests.test_surveys_api import CSAT, NPS, WELCOME, Api
from tests.test_ui_surveys import Site

NPS_SCORES = (
    {f"p{i}": 9 + i % 2 for i in range(6)} | {f"m{i}": 7 + i % 2 for i in range(3)} | {"d0": 0, "d1": 3, "d2": 6}
)


@pytest.fixture
def site(app, client, project, other_project, batches):
    """An NPS survey answered by 6 promoters, 3 passives and 3 detractors (the detractors on trial), a welcome
    survey answered by 4 people and a CSAT answered by 5."""
    SegmentApi(client, project.secret_key).post(json=TRIALS)
    surveys = Api(client, project.secret_key)
    nps_id = surveys.post(json=NPS).get_json()["id"]
    site = Site(app, client, project, other_project, nps_id, batches)
    site.welcome_id = surveys.post(json=WELCOME).get_json()["id"]
    site.csat_id = surveys.post(json=CSAT).get_json()["id"]
    story = site.story()
    for n, (user, score) in enumerate(NPS_SCORES.items()):
        story.person(user, traits={"plan": "trial" if user.startswith("d") else "paid"})
        story.answer(user, nps_id, {"score": score}, 1 + n / 10)
    for user, role, goals in [
        ("w1", "pm", ["reporting", "alerts"]),
        ("w2", "pm", ["alerts"]),
        ("w3", "pm", ["reporting"]),
        ("w4", "eng", ["alerts"]),
    ]:
        story.answer(user, site.welcome_id, {"role": role, "goals": goals}, 2)
    for i, rating in enumerate([5, 4, 4, 2, 1]):
        story.answer(f"c{i}", site.csat_id, {"csat": rating}, 3)
    story.send()
    return site


def analysed(site, survey_id: int, **filters) -> dict:
    with site.app.app_context():
        survey = db.session.get(Survey, survey_id)
        where = analysis.conditions(db.session, site.project.id, survey, filters)
        return analysis.analyse(db.session, site.project.id, survey, where)


def test_nps_is_split_into_promoters_passives_and_detractors_with_the_interval(site):
    score = analysed(site, site.survey_id)["questions"][0]
    assert score["n"] == 12
    assert [(g["key"], g["count"]) for g in score["groups"]] == [("promoter", 6), ("passive", 3), ("detractor", 3)]
    assert score["score"] == pytest.approx(25.0)
    p, d = 6 / 12, 3 / 12
    margin = 1.96 * math.sqrt((p + d - (p - d) ** 2) / 12) * 100
    assert score["interval"] == pytest.approx((25 - margin, 25 + margin))
    assert score["groups"][0]["low"], score["groups"][0]["high"] == pytest.approx(wilson(6, 12))
    assert [row["count"] for row in score["distribution"]] == [1, 0, 0, 1, 0, 0, 1, 2, 1, 3, 3]

    page = site.as_("vi@example.com").client.get(f"{site.base}/{site.survey_id}").get_data(as_text=True)
    assert "NPS +25" in page and f"95% interval {25 - margin:+.0f} to {25 + margin:+.0f}" in page
    assert "n = 12 answers" in page
    promoters = re.search(r"Promoters \(9–10\)</a></th>\s*<td>(\d+)</td><td>([^<]+)</td>", page)
    assert promoters and promoters.groups() == ("6", "50%")


def test_choice_questions_show_counts_and_shares_of_the_people_who_answered(site):
    role, goals = analysed(site, site.welcome_id)["questions"][:2]
    assert [(r["label"], r["count"], r["share"]) for r in role["distribution"]] == [
        ("Product manager", 3, 0.75),
        ("Engineer", 1, 0.25),
    ]
    assert (role["distribution"][0]["low"], role["distribution"][0]["high"]) == pytest.approx(wilson(3, 4))
    assert goals["several"] and goals["n"] == 4
    assert [(r["label"], r["count"]) for r in goals["distribution"]] == [("Reporting", 2), ("Alerts", 3)]

    browser = site.as_("vi@example.com")
    page = browser.client.get(f"{site.base}/{site.welcome_id}").get_data(as_text=True)
    assert "shares add up to more than 100%" in page
    assert "· score" not in page  # a welcome survey has no score: no score on its responses
    rows = list(csv.reader(io.StringIO(browser.client.get(f"{site.base}/{site.welcome_id}/responses.csv").text)))
    assert "Score" not in rows[0] and rows[0][:5] == ["Response", "Answered at (UTC)", "Person", "Stage", "Completed"]


def test_ratings_show_their_distribution_and_csat_its_satisfied_share(site):
    csat = analysed(site, site.csat_id)["questions"][0]
    assert [r["count"] for r in csat["distribution"]] == [1, 1, 0, 2, 1]
    assert csat["satisfied"]["count"] == 3 and csat["satisfied"]["share"] == pytest.approx(0.6)
    assert csat["mean"] == pytest.approx(3.2)
    page = site.as_("vi@example.com").client.get(f"{site.base}/{site.csat_id}").get_data(as_text=True)
    assert "CSAT 60%" in page and "n = 5 answers" in page


def test_filters_by_answer_and_segment_apply_to_the_analysis_and_the_responses(site):
    detractors = analysed(site, site.survey_id, answer="score:detractor")
    assert detractors["responses"] == 3 and detractors["questions"][0]["groups"][2]["count"] == 3
    assert analysed(site, site.survey_id, answer="score:9")["responses"] == 3
    assert analysed(site, site.welcome_id, answer="goals:alerts")["responses"] == 3  # one of several picked
    assert analysed(site, site.welcome_id, answer="role:eng")["responses"] == 1
    assert analysed(site, site.survey_id, segment="trials")["responses"] == 3  # the detractors are on trial

    browser = site.as_("vi@example.com")
    page = browser.client.get(f"{site.base}/{site.survey_id}?answer=score:detractor").get_data(as_text=True)
    people = re.findall(r'class="person" href="[^"]+">([^<]+)</a>', page)
    assert sorted(people) == ["d0", "d1", "d2"]
    csv_rows = list(
        csv.reader(io.StringIO(browser.client.get(f"{site.base}/{site.survey_id}/responses.csv?segment=trials").text))
    )
    assert sorted(r[2] for r in csv_rows[1:]) == ["d0", "d1", "d2"]


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("segment=nobody", "segment", "Choose a segment from the list."),
        ("answer=score:11", "answer", "Choose an answer from the list."),
        ("answer=<script>alert(1)</script>", "answer", "Choose an answer from the list."),
        ("answer=score", "answer", "Choose an answer from the list."),
    ],
)
def test_unknown_filters_are_refused_with_a_clear_error(site, query, field, message):
    browser = site.as_("vi@example.com")
    page = browser.client.get(f"{site.base}/{site.survey_id}?{query}")
    assert page.status_code == 422 and message in page.text and "<script>alert" not in page.text
    assert browser.client.get(f"{site.base}/{site.survey_id}/responses.csv?{query}").status_code == 422


def test_another_projects_segment_filters_nothing_here(site, client, other_project):
    SegmentApi(client, other_project.secret_key).post(json={**TRIALS, "key": "theirs"})
    page = site.as_("vi@example.com").client.get(f"{site.base}/{site.survey_id}?segment=theirs")
    assert page.status_code == 422 and "Choose a segment from the list." in page.text


def test_responses_come_newest_first_and_link_to_their_people(site):
    browser = site.as_("vi@example.com")
    page = browser.client.get(f"{site.base}/{site.survey_id}").get_data(as_text=True)
    people = re.findall(r'class="person" href="([^"]+)">([^<]+)</a>', page)
    assert [name for _, name in people] == list(reversed(NPS_SCORES))  # answered one after the other
    href, name = people[0]
    person_page = browser.client.get(href)
    assert person_page.status_code == 200 and name in person_page.text


def test_the_weekly_trend_of_each_stage_matches_that_stage_scored_alone(site):
    from gapwise.core.surveys import results, scores

    with site.app.app_context():
        for survey_id in (site.survey_id, site.csat_id, site.welcome_id):
            survey = db.session.get(Survey, survey_id)
            trend = results.trend(db.session, site.project.id, survey)
            assert len(trend["series"]) >= 2  # all stages, and at least the stage people answered in
            for series in trend["series"][1:]:
                alone = scores.scores(
                    db.session, site.project.id, survey_id=survey_id, period="week", stage=series["label"]
                )
                by_week = {p["start"]: p for p in alone["byPeriod"]}
                expected = [results._point(trend["metric"], by_week.get(week, {})) for week in trend["weeks"]]
                assert series["points"] == expected and any(p["n"] for p in expected)
