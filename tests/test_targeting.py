"""Targeting: which surveys GET /v1/config offers a person, and the eligibility explanation."""

import uuid
from datetime import timedelta

import pytest

from gapwise.db import db
from gapwise.models import Display, Event, Person, Project, Response
from gapwise.models.base import utcnow
from tests.helpers import AdminApi, message
from tests.test_surveys_api import CSAT, NPS, WELCOME, Api


@pytest.fixture
def surveys(client, project):
    return Api(client, project.secret_key)


@pytest.fixture
def no_cooldown(app, project):
    set_cooldown(app, project, 0)


def set_cooldown(app, project, hours):
    with app.app_context():
        db.session.get(Project, project.id).survey_cooldown_hours = hours
        db.session.commit()
    app.extensions.get("gapwise.config_cache", {}).clear()


def create(surveys, survey, **targeting):
    body = {**survey, "status": "active", "targeting": {**survey.get("targeting", {}), **targeting}}
    response = surveys.post(json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def due(client, project, anon="visitor", user=None, locale=None):
    query = f"/v1/config?writeKey={project.write_key}&anonymousId={anon}"
    query += f"&userId={user}" if user else ""
    query += f"&locale={locale}" if locale else ""
    return client.get(query).get_json()["surveys"]


def survey_message(survey_id, action, anon="visitor", ago=timedelta(0), **fields):
    ts = (utcnow() - ago).isoformat()
    return message("survey", anonymousId=anon, surveyId=str(survey_id), action=action, timestamp=ts, **fields)


def test_an_active_survey_is_offered_localized_with_its_browser_rules(client, project, surveys):
    survey_id = create(surveys, NPS, url={"match": "contains", "value": "/reports"})
    [offered] = due(client, project, locale="fr-FR")
    assert offered["id"] == str(survey_id) and offered["kind"] == "nps" and offered["locale"] == "fr"
    assert offered["questions"][0]["text"] == "Recommanderiez-vous ?"
    assert offered["questions"][1]["text"] == "What disappointed you?"  # no French: the default locale
    assert offered["thankYou"] == "Merci !" and offered["dir"] == "ltr"
    assert offered["trigger"] == {"type": "event", "event": "Report Exported", "feature": None, "delay": 3}
    assert offered["url"] == {"match": "contains", "value": "/reports"}
    assert "measures" not in offered["questions"][0]  # analysis tags stay on the server
    assert due(client, project, locale="de")[0]["locale"] == "en"


def test_right_to_left_locales(client, project, surveys):
    create(
        surveys,
        {
            **CSAT,
            "questions": [{"id": "c", "type": "rating", "scale": 5, "text": {"en": "Happy?", "ar": "هل أنت راض؟"}}],
        },
    )
    assert due(client, project, locale="ar-EG")[0]["dir"] == "rtl"


@pytest.mark.parametrize("status", ["draft", "paused", "archived"])
def test_only_active_surveys_are_offered(client, project, surveys, status):
    surveys.post(json={**NPS, "status": status})
    assert due(client, project) == []


def test_once_means_never_again_after_a_display(client, project, surveys, batches, no_cooldown):
    survey_id = create(surveys, CSAT, frequency={"type": "once"}, recontactDays=0)
    batches.post([survey_message(survey_id, "shown")], sent_at=None)
    assert due(client, project) == []
    assert due(client, project, anon="someone-else") != []


def test_until_answered_keeps_offering_until_a_complete_answer(client, project, surveys, batches, no_cooldown):
    survey_id = create(surveys, CSAT, frequency={"type": "until_answered"}, recontactDays=0)
    display = str(uuid.uuid4())
    batches.post([survey_message(survey_id, "shown", displayId=display)], sent_at=None)
    assert len(due(client, project)) == 1
    batches.post([survey_message(survey_id, "answered", displayId=display, answers={"csat": 4})], sent_at=None)
    assert due(client, project) == []


def test_every_n_days(client, project, surveys, batches, no_cooldown):
    survey_id = create(surveys, CSAT, frequency={"type": "every", "days": 7}, recontactDays=0)
    batches.post(
        [
            survey_message(survey_id, "shown", anon="recent", ago=timedelta(days=6)),
            survey_message(survey_id, "shown", anon="old", ago=timedelta(days=8)),
        ],
        sent_at=None,
    )
    assert due(client, project, anon="recent") == []
    assert len(due(client, project, anon="old")) == 1


def test_a_dismissed_survey_waits_out_the_recontact_window(client, project, surveys, batches, no_cooldown):
    survey_id = create(surveys, NPS, recontactDays=30, frequency={"type": "until_answered"})
    batches.post(
        [
            survey_message(survey_id, "dismissed", anon="inside", ago=timedelta(days=29)),
            survey_message(survey_id, "dismissed", anon="outside", ago=timedelta(days=31)),
        ],
        sent_at=None,
    )
    assert due(client, project, anon="inside") == []
    assert [s["id"] for s in due(client, project, anon="outside")] == [str(survey_id)]


def test_the_project_cooldown_spaces_out_all_surveys(app, client, project, surveys, batches):
    set_cooldown(app, project, 24)
    first = create(surveys, CSAT, recontactDays=0)
    second = create(surveys, NPS, recontactDays=0)
    batches.post(
        [
            survey_message(first, "shown", anon="recent", ago=timedelta(hours=2)),
            survey_message(first, "shown", anon="rested", ago=timedelta(hours=25)),
        ],
        sent_at=None,
    )
    assert due(client, project, anon="recent") == []
    assert [s["id"] for s in due(client, project, anon="rested")] == [str(second), str(first)]


def test_sampling_is_a_stable_coin_per_person(client, project, surveys):
    create(surveys, CSAT, sampleRate=0.5)
    first = {n: bool(due(client, project, anon=f"v{n}")) for n in range(60)}
    again = {n: bool(due(client, project, anon=f"v{n}")) for n in range(60)}
    assert first == again
    assert 15 < sum(first.values()) < 45


def test_a_zero_sample_offers_nobody(client, project, surveys):
    create(surveys, CSAT, sampleRate=0)
    assert due(client, project) == []


def test_the_response_limit_closes_a_survey_for_everyone(client, project, surveys, batches):
    survey_id = create(surveys, CSAT, responseLimit=1)
    assert due(client, project, anon="late")
    batches.post([survey_message(survey_id, "answered", anon="early", answers={"csat": 5})])
    assert due(client, project, anon="late") == []


def test_due_surveys_come_in_priority_order(client, project, surveys):
    low = create(surveys, CSAT, priority=1)
    high = create(surveys, NPS, priority=5)
    tie = create(surveys, {**CSAT, "name": "Another CSAT"}, priority=1)
    assert [s["id"] for s in due(client, project)] == [str(high), str(low), str(tie)]


def test_config_etag_is_per_person_and_changes_when_their_surveys_do(client, project, surveys, batches):
    survey_id = create(surveys, CSAT)
    url = f"/v1/config?writeKey={project.write_key}&anonymousId=visitor"
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    batches.post([survey_message(survey_id, "answered", answers={"csat": 3})])
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["surveys"] == []


def test_eligibility_explains_every_rule(client, project, surveys, batches):
    survey_id = create(surveys, NPS, recontactDays=30)
    batches.post([survey_message(survey_id, "dismissed", anon="visitor", ago=timedelta(days=3))], sent_at=None)
    body = surveys.get(f"/{survey_id}/eligibility?person=visitor").get_json()
    assert body["eligible"] is False and body["known"] is True
    rules = {c["rule"]: c for c in body["checks"]}
    assert set(rules) == {
        "status",
        "segment",
        "sample",
        "frequency",
        "recontact",
        "cooldown",
        "response_limit",
        "welcome",
    }
    assert rules["recontact"]["passed"] is False and "recontact window is 30 days" in rules["recontact"]["reason"]
    assert rules["status"]["passed"] and rules["sample"]["passed"]
    assert [r["rule"] for r in body["checkedInBrowser"]] == ["url", "trigger"]
    assert "'Report Exported'" in body["checkedInBrowser"][1]["reason"]
    stranger = surveys.get(f"/{survey_id}/eligibility?person=new-visitor").get_json()
    assert stranger["eligible"] is True and stranger["known"] is False


def test_eligibility_needs_a_person_and_a_survey_of_this_project(client, project, surveys, other_project):
    survey_id = create(surveys, NPS)
    assert surveys.get(f"/{survey_id}/eligibility").status_code == 422
    theirs = Api(client, other_project.secret_key)
    assert theirs.get(f"/{survey_id}/eligibility?person=visitor").status_code == 404


def test_answers_are_stored_with_score_stage_and_display(app, surveys, batches, project):
    survey_id = create(surveys, NPS)
    display = str(uuid.uuid4())
    batches.post(
        [
            survey_message(survey_id, "shown", displayId=display),
            survey_message(
                survey_id, "answered", displayId=display, answers={"score": 3}, completed=False, locale="fr"
            ),
            survey_message(
                survey_id,
                "answered",
                displayId=display,
                answers={"score": 3, "detractor": "Too slow", "bogus": 1},
                completed=True,
            ),
        ]
    )
    [response] = batches.all(Response)
    assert (response.score, response.completed, response.stage, response.locale) == (3.0, True, "trial", "fr")
    assert response.answers == {"score": 3, "detractor": "Too slow"}
    [shown] = batches.all(Display)
    assert shown.display_id == display and shown.answered_at is not None and shown.stage == "trial"


@pytest.mark.parametrize("answers", [{"score": 11}, {"score": "9"}, {"score": True}, {"detractor": 5}])
def test_answers_that_do_not_fit_their_question_are_dropped(surveys, batches, answers):
    survey_id = create(surveys, NPS)
    batches.post([survey_message(survey_id, "answered", answers=answers)])
    [response] = batches.all(Response)
    assert response.answers == {} and response.score is None


def test_a_welcome_answer_writes_the_persons_trait(surveys, batches):
    survey_id = create(surveys, WELCOME)
    batches.post([survey_message(survey_id, "answered", answers={"role": "pm", "goals": ["reporting"]})])
    assert batches.all(Person)[0].traits == {"role": "pm"}


def test_survey_messages_are_deduplicated_and_dismissals_recorded(surveys, batches):
    survey_id = create(surveys, CSAT)
    display = str(uuid.uuid4())
    sent = [
        survey_message(survey_id, "shown", displayId=display),
        survey_message(survey_id, "dismissed", displayId=display),
    ]
    batches.post(sent)
    batches.post(sent)  # a retry: the writer finds both messageIds stored
    assert batches.count(Event) == 2
    [shown] = batches.all(Display)
    assert shown.dismissed_at is not None
    assert batches.count(Response) == 0


def test_messages_about_unknown_surveys_stay_plain_events(surveys, batches, other_project, client):
    theirs = create(Api(client, other_project.secret_key), CSAT)
    body = batches.post(
        [survey_message(theirs, "answered", answers={"csat": 5}), survey_message("not-a-number", "shown")]
    ).get_json()
    assert body["accepted"] == 2
    assert batches.count(Display) == 0 and batches.count(Response) == 0


def test_the_demo_project_offers_its_welcome_screen_first(app, client):
    from gapwise.demo import seed as demo

    with app.app_context():
        write_key = demo.seed(db.session, people=2).write_key
    offered = client.get(f"/v1/config?writeKey={write_key}&anonymousId=first-visit").get_json()["surveys"]
    assert [s["kind"] for s in offered] == ["welcome"]  # and nothing else until it is answered or dismissed
    assert offered[0]["trigger"]["type"] == "immediate"


def test_a_segment_targeted_survey_goes_only_to_people_who_match(client, project, surveys, batches):
    segment = AdminApi(client, project.secret_key, "segments").post(
        json={
            "key": "pro",
            "name": "Pro plans",
            "rules": {"match": "all", "conditions": [{"field": "trait", "key": "plan", "op": "eq", "value": "pro"}]},
        }
    )
    assert segment.status_code == 201, segment.get_json()
    survey_id = create(surveys, CSAT, segment="pro")
    batches.post(
        [
            message("identify", anonymousId="pro-user", userId=None, traits={"plan": "pro"}),
            message("identify", anonymousId="trial-user", userId=None, traits={"plan": "trial"}),
        ]
    )
    assert [s["id"] for s in due(client, project, anon="pro-user")] == [str(survey_id)]
    assert due(client, project, anon="trial-user") == []
    assert due(client, project, anon="never-seen") == []
    explained = surveys.get(f"/{survey_id}/eligibility?person=trial-user").get_json()
    assert {c["rule"]: c["passed"] for c in explained["checks"]}["segment"] is False
    deleted = AdminApi(client, project.secret_key, "segments").delete("/pro")
    assert deleted.status_code == 409 and "CSAT" in deleted.get_json()["message"]


@pytest.fixture
def pro_survey(client, project, surveys, batches):
    """A CSAT for the segment of pro plans, an NPS for everyone, and Ada (pro plan) on her laptop."""
    rule = {"field": "trait", "key": "plan", "op": "eq", "value": "pro"}
    segments = AdminApi(client, project.secret_key, "segments")
    assert segments.post(json={"key": "pro", "name": "Pro", "rules": {"conditions": [rule]}}).status_code == 201
    targeted, everyone = create(surveys, CSAT, segment="pro"), create(surveys, NPS)
    batches.post([message("identify", anonymousId="ada-laptop", userId="ada", traits={"plan": "pro"})])
    return str(targeted), str(everyone)


def config(client, project, **ids):
    return client.get("/v1/config", query_string={"writeKey": project.write_key, **ids})


@pytest.mark.parametrize("prober", [None, "never-seen", "eve-laptop"])
def test_a_user_id_alone_reveals_nothing_about_that_user(client, project, pro_survey, batches, prober):
    """The write key is public: asking for Ada's user id gets what asking for anyone unknown gets, so no one learns
    her traits (that she matches the segment) nor whether she has answered, without her browser's anonymousId."""
    batches.post([message("identify", anonymousId="eve-laptop", userId="eve", traits={"plan": "pro"})])
    browser = {"anonymousId": prober} if prober else {}
    guessed = config(client, project, userId="ada", **browser)
    unknown = config(client, project, userId="nobody-at-all", **browser)
    assert guessed.get_data() == unknown.get_data() and guessed.headers["ETag"] == unknown.headers["ETag"]
    assert [s["id"] for s in guessed.get_json()["surveys"]] == [pro_survey[1]]


@pytest.mark.parametrize("ids", [{"anonymousId": "ada-laptop", "userId": "ada"}, {"anonymousId": "ada-laptop"}])
def test_the_person_in_their_own_browser_still_gets_their_targeted_survey(client, project, pro_survey, ids):
    assert {s["id"] for s in config(client, project, **ids).get_json()["surveys"]} == set(pro_survey)


def test_a_second_browser_is_the_user_once_its_identify_is_stored(client, project, pro_survey, batches):
    assert [s["id"] for s in due(client, project, anon="ada-phone", user="ada")] == [pro_survey[1]]
    batches.post([message("identify", anonymousId="ada-phone", userId="ada", traits={})])
    assert {s["id"] for s in due(client, project, anon="ada-phone", user="ada")} == set(pro_survey)


def test_answers_given_before_signing_in_on_a_second_device_stay_with_the_user(surveys, batches):
    survey_id = create(surveys, WELCOME)
    batches.post([message("identify", anonymousId="laptop", userId="ada")])
    batches.post([survey_message(survey_id, "answered", anon="phone", answers={"role": "pm"})])
    batches.post([message("identify", anonymousId="phone", userId="ada", traits={})])  # merges the phone into ada
    [ada] = batches.all(Person)
    [response] = batches.all(Response)
    assert response.person_id == ada.id and response.answers == {"role": "pm"}
    assert [d.person_id for d in batches.all(Display)] == [ada.id]
    assert ada.traits["role"] == "pm"


def test_a_feature_that_triggers_a_survey_cannot_be_deleted(client, project, surveys):
    features = AdminApi(client, project.secret_key, "features")
    features.post(json={"key": "share", "name": "Share", "selector": "#share-btn"})
    survey_id = create(surveys, CSAT, trigger={"type": "feature", "feature": "share", "delay": 0})
    refused = features.delete("/share")
    assert refused.status_code == 409 and "CSAT" in refused.get_json()["message"]
    surveys.patch(f"/{survey_id}", json={"targeting": {"trigger": {"type": "pageview"}}})
    assert features.delete("/share").status_code == 204


@pytest.mark.parametrize("score, stored", [(9, 9), (5.5, None), (10.0, None), (11, None), (True, None)])
def test_an_nps_answer_is_a_whole_number_from_0_to_10(surveys, batches, score, stored):
    survey_id = create(surveys, NPS)
    question = NPS["questions"][0]["id"]
    batches.post([survey_message(survey_id, "answered", answers={question: score})])
    [response] = batches.all(Response)
    assert response.answers.get(question) == stored and response.score == (None if stored is None else float(stored))


def test_a_new_person_gets_the_welcome_screen_and_nothing_else_until_they_answer_or_dismiss_it(
    app, client, project, surveys, batches
):
    set_cooldown(app, project, 0)
    nps = create(surveys, NPS, trigger={"type": "pageview"}, priority=5)  # more important, and still second
    welcome = create(surveys, WELCOME)
    assert [s["id"] for s in due(client, project, anon="newcomer")] == [str(welcome)]
    why = surveys.get(f"/{nps}/eligibility", query_string={"person": "newcomer"}).get_json()
    check = next(c for c in why["checks"] if c["rule"] == "welcome")
    assert not check["passed"] and "comes first" in check["reason"]
    display = str(uuid.uuid4())
    for action in ("shown", "dismissed"):
        sent = batches.post([survey_message(welcome, action, anon="newcomer", displayId=display)]).get_json()
        assert sent["accepted"] == 1
    assert [s["id"] for s in due(client, project, anon="newcomer")] == [str(nps)]  # dismissed: the NPS may come
    set_cooldown(app, project, 24)
    assert due(client, project, anon="newcomer") == []  # ...but not within the project cooldown of the welcome
    why = surveys.get(f"/{nps}/eligibility", query_string={"person": "newcomer"}).get_json()
    assert next(c for c in why["checks"] if c["rule"] == "welcome")["passed"]


def test_projects_and_the_demo_space_surveys_a_day_apart(app):
    from gapwise.demo import seed as demo

    with app.app_context():
        assert Project().survey_cooldown_hours in (None, 24)  # the column default applies on insert
        result = demo.seed(db.session, people=20, days=10)
        assert db.session.get(Project, result.project_id).survey_cooldown_hours == 24
