"""/api/v1/surveys: surveys with one schema per question type, validated with clear 422 errors."""

import copy
from functools import partial

import pytest

from tests.helpers import AdminApi

NPS = {
    "name": "NPS",
    "kind": "nps",
    "status": "active",
    "questions": [
        {
            "id": "score",
            "type": "nps",
            "text": {"en": "How likely are you to recommend us?", "fr": "Recommanderiez-vous ?"},
            "lowLabel": "Not likely",
            "highLabel": "Very likely",
            "measures": "perception",
            "dimension": "reliability",
            "branches": [{"min": 0, "max": 6, "goto": "detractor"}, {"min": 9, "max": 10, "goto": "promoter"}],
        },
        {"id": "detractor", "type": "text", "text": "What disappointed you?", "next": "end"},
        {"id": "promoter", "type": "text", "text": "What do you like most?"},
    ],
    "thankYou": {"en": "Thanks!", "fr": "Merci !"},
    "targeting": {"trigger": {"type": "event", "event": "Report Exported", "delay": 3}, "priority": 5},
}
WELCOME = {
    "name": "Welcome",
    "kind": "welcome",
    "questions": [
        {
            "id": "role",
            "type": "single_choice",
            "text": "What is your role?",
            "trait": "role",
            "choices": [{"id": "pm", "label": "Product manager"}, {"id": "eng", "label": "Engineer"}],
        },
        {
            "id": "goals",
            "type": "multi_choice",
            "text": "What do you want to do?",
            "choices": [
                {"id": "reporting", "label": "Reporting", "goals": ["reporting"]},
                {"id": "alerts", "label": "Alerts", "goals": ["monitoring"]},
            ],
        },
        {
            "id": "expect",
            "type": "rating",
            "scale": 7,
            "text": "How fast should exports be?",
            "measures": "expectation",
            "dimension": "export",
        },
    ],
    "targeting": {"trigger": {"type": "immediate"}, "frequency": {"type": "once"}},
}
CSAT = {
    "name": "CSAT",
    "kind": "csat",
    "questions": [{"id": "csat", "type": "rating", "scale": 5, "text": "How satisfied are you with exports?"}],
}


Api = partial(AdminApi, resource="surveys")


@pytest.fixture
def api(client, project):
    return Api(client, project.secret_key)


@pytest.mark.parametrize("survey", [NPS, WELCOME, CSAT], ids=["nps", "welcome", "csat"])
def test_every_question_type_is_accepted_and_read_back(api, survey):
    created = api.post(json=survey)
    assert created.status_code == 201, created.get_json()
    body = api.get(f"/{created.get_json()['id']}").get_json()
    assert [q["type"] for q in body["questions"]] == [q["type"] for q in survey["questions"]]
    assert body["questions"][0]["text"]["en"]  # plain strings belong to the default locale


def test_texts_are_kept_per_locale(api):
    body = api.post(json=NPS).get_json()
    assert body["questions"][0]["text"] == NPS["questions"][0]["text"]
    assert body["thankYou"] == {"en": "Thanks!", "fr": "Merci !"}
    assert body["targeting"]["trigger"] == {"type": "event", "event": "Report Exported", "feature": None, "delay": 3}


def broken(change):
    survey = copy.deepcopy(NPS)
    change(survey)
    return survey


@pytest.mark.parametrize(
    "survey, field",
    [
        (broken(lambda s: s["questions"][0].update(type="slider")), "questions"),
        (broken(lambda s: s["questions"][0].update(text="")), "questions"),
        (broken(lambda s: s["questions"][0].update(text={"de": "Wie?"})), "questions"),
        (broken(lambda s: s["questions"][0]["branches"].append({"min": 0, "goto": "nowhere"})), "questions"),
        (broken(lambda s: s["questions"][0]["branches"].append({"goto": "end"})), "questions"),
        (broken(lambda s: s["questions"].append({"id": "score", "type": "text", "text": "dup"})), "questions"),
        (broken(lambda s: s["questions"].insert(0, {"id": "x", "type": "text", "text": "first"})), "questions"),
        (broken(lambda s: s["questions"][0].update(measures="mood")), "questions"),
        (broken(lambda s: s.update(kind="poll")), "kind"),
        (broken(lambda s: s.update(questions=[])), "questions"),
        (broken(lambda s: s["targeting"].update(trigger={"type": "event"})), "targeting"),
        (broken(lambda s: s["targeting"].update(trigger={"type": "feature", "feature": "nope"})), "targeting"),
        (broken(lambda s: s["targeting"].update(url={"match": "regex", "value": "(["})), "targeting"),
        (broken(lambda s: s["targeting"].update(sampleRate=1.5)), "targeting"),
        (broken(lambda s: s["targeting"].update(frequency={"type": "every"})), "targeting"),
        (broken(lambda s: s["targeting"].update(segment="no-such-segment")), "targeting"),
        (broken(lambda s: s.update(appearance={"colors": {"accent": "red"}})), "appearance"),
        ({**CSAT, "questions": [{"id": "csat", "type": "rating", "scale": 7, "text": "?"}]}, "questions"),
        ({**CSAT, "questions": [{"id": "c", "type": "rating", "scale": 4, "text": "?"}]}, "questions"),
        (
            {
                **WELCOME,
                "questions": [
                    {"id": "r", "type": "single_choice", "text": "?", "choices": [{"id": "a", "label": "A"}]}
                ],
            },
            "questions",
        ),
    ],
)
def test_invalid_surveys_get_422_naming_the_field(api, survey, field):
    response = api.post(json=survey)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert api.get().get_json()["surveys"] == []


def test_update_status_and_targeting(api):
    survey_id = api.post(json=NPS).get_json()["id"]
    paused = api.patch(f"/{survey_id}", json={"status": "paused"})
    assert paused.status_code == 200 and paused.get_json()["status"] == "paused"
    assert paused.get_json()["questions"][0]["id"] == "score"
    assert [s["id"] for s in api.get("?status=paused").get_json()["surveys"]] == [survey_id]
    assert api.get("?status=active").get_json()["surveys"] == []
    assert api.delete(f"/{survey_id}").status_code == 204
    assert api.get(f"/{survey_id}").status_code == 404


def test_the_list_pages_with_a_cursor_in_creation_order(api):
    created = [api.post(json={**CSAT, "name": f"CSAT {i}", "status": "active"}).get_json()["id"] for i in range(7)]
    api.patch(f"/{created[3]}", json={"status": "paused"})
    seen, cursor, pages = [], None, 0
    while True:
        page = api.get(query_string={"limit": 3, **({"cursor": cursor} if cursor else {})}).get_json()
        seen += [s["id"] for s in page["surveys"]]
        cursor, pages = page["nextCursor"], pages + 1
        if cursor is None:
            break
        api.post(json={**CSAT, "name": "Added while walking"})  # after the cursor: on a later page, once
    assert seen[:7] == created and len(seen) == len(set(seen)) and pages >= 3
    active = api.get(query_string={"status": "active", "limit": 500}).get_json()
    assert [s["id"] for s in active["surveys"]] == created[:3] + created[4:] and active["nextCursor"] is None


@pytest.mark.parametrize(
    "query", [{"cursor": "not-ours"}, {"cursor": ""}, {"cursor": "eyJhZnRlciI6LTF9"}, {"limit": 0}, {"limit": 501}]
)
def test_a_bad_cursor_or_limit_is_refused(api, query):
    answer = api.get(query_string=query)
    assert answer.status_code == 422 and set(answer.get_json()["errors"]) == set(query)


def test_another_projects_key_sees_and_changes_nothing(client, api, other_project):
    survey_id = api.post(json=NPS).get_json()["id"]
    theirs = Api(client, other_project.secret_key)
    assert theirs.get().get_json()["surveys"] == []
    for call in (theirs.get, theirs.delete):
        assert call(f"/{survey_id}").status_code == 404
    assert theirs.patch(f"/{survey_id}", json={"status": "archived"}).status_code == 404
    assert api.get(f"/{survey_id}").get_json()["status"] == "active"


def test_a_question_text_is_stored_as_given_not_interpreted(api):
    xss = "<img src=x onerror=alert(1)>"
    body = api.post(json={**CSAT, "questions": [{"id": "c", "type": "rating", "scale": 5, "text": xss}]}).get_json()
    assert body["questions"][0]["text"] == {"en": xss}


def test_a_targeting_change_keeps_the_rest_of_the_targeting(api):
    survey_id = api.post(json=NPS).get_json()["id"]
    changed = api.patch(f"/{survey_id}", json={"targeting": {"recontactDays": 7}})
    assert changed.status_code == 200, changed.get_json()
    targeting = changed.get_json()["targeting"]
    assert targeting["recontactDays"] == 7 and targeting["priority"] == 5
    assert targeting["trigger"]["event"] == "Report Exported"
