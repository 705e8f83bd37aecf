"""Journey stages: the rules at their boundaries (properties), and stages kept current through /v1/batch."""

from datetime import timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gapwise.core.journey.stages import Milestones, milestones, week_of
from gapwise.models import Display, Person, Response
from gapwise.schemas.settings import JourneyRulesSchema
from tests.helpers import AdminApi, utc
from tests.story import Story

RULES = JourneyRulesSchema().load({})  # k = 3 core features within 14 days; core use in 3 of the last 4 weeks
T0 = utc(2026, 9, 7, 9)  # a Monday
CORE = ("export", "share", "alerts")


# --- the rules as a pure function ---------------------------------------------------------------------


def test_no_aha_signal_keeps_a_person_in_trial_whatever_they_use():
    uses = [(f, T0 + timedelta(hours=i)) for i, f in enumerate((1, 2, 3))]
    assert milestones(RULES, T0, None, uses) == Milestones()


@pytest.mark.parametrize("late, activated", [(timedelta(0), True), (timedelta(microseconds=1), False)])
def test_activation_needs_the_kth_core_feature_within_d_days_to_the_microsecond(late, activated):
    third = T0 + timedelta(days=14) + late
    uses = [(1, T0 + timedelta(hours=1)), (2, T0 + timedelta(days=3)), (3, third)]
    result = milestones(RULES, T0, T0 + timedelta(hours=1), uses)
    assert result.aha_at == T0 + timedelta(hours=1)
    assert result.activated_at == (third if activated else None)


def test_activation_waits_for_aha_when_core_features_came_first():
    uses = [(1, T0), (2, T0 + timedelta(hours=1)), (3, T0 + timedelta(hours=2))]
    aha = T0 + timedelta(days=20)
    assert milestones(RULES, T0, aha, uses).activated_at == aha


def test_adoption_is_reached_at_the_first_use_that_makes_three_of_four_calendar_weeks():
    week = timedelta(days=7)
    uses = [
        (1, T0),
        (2, T0 + timedelta(hours=1)),
        (3, T0 + timedelta(hours=2)),  # week 0: activation
        (1, T0 + week + timedelta(days=6, hours=14)),  # Sunday of week 1
        (1, T0 + 2 * week + timedelta(hours=5)),
    ]  # Monday of week 2: third week with core use
    result = milestones(RULES, T0, T0, uses)
    assert result.activated_at == T0 + timedelta(hours=2)
    assert result.adopted_at == T0 + 2 * week + timedelta(hours=5)
    two_weeks_only = milestones(RULES, T0, T0, uses[:4])
    assert two_weeks_only.stage == "activation" and two_weeks_only.adopted_at is None


def _adoption_oracle(weeks_needed, activated, uses):
    """Check the adoption rule at every moment it could first hold, without the per-week shortcut."""
    for moment in sorted({activated} | {at for _, at in uses if at >= activated}):
        weeks = {week_of(at) for _, at in uses if at <= moment}
        if sum(1 for w in range(week_of(moment) - 3, week_of(moment) + 1) if w in weeks) >= weeks_needed:
            return moment
    return None


uses_strategy = st.lists(st.tuples(st.integers(1, 5), st.integers(0, 60 * 24 * 60)), max_size=25)


@settings(max_examples=300, deadline=None)
# Core use later in activation's own week, after activation, completes adoption at that use.
@example(uses=[(1, 0), (1, 19620), (1, 49861)], aha_minutes=49860, k=1, days=1, weeks=2)
@given(
    uses=uses_strategy,
    aha_minutes=st.one_of(st.none(), st.integers(0, 60 * 24 * 60)),
    k=st.integers(1, 4),
    days=st.integers(1, 30),
    weeks=st.integers(1, 4),
)
def test_stages_follow_the_rules_at_every_boundary(uses, aha_minutes, k, days, weeks):
    rules = {"ahaEvents": [], "activation": {"coreFeatures": k, "withinDays": days}, "adoption": {"weeks": weeks}}
    core = [(f, T0 + timedelta(minutes=m)) for f, m in uses]
    aha = None if aha_minutes is None else T0 + timedelta(minutes=aha_minutes)
    result = milestones(rules, T0, aha, core)
    assert result.aha_at == aha
    firsts = sorted(min(at for g, at in core if g == f) for f in {f for f, _ in core})
    if aha is None or len(firsts) < k or firsts[k - 1] > T0 + timedelta(days=days):
        assert result.activated_at is None and result.adopted_at is None
        return
    assert result.activated_at == max(aha, firsts[k - 1])
    assert result.adopted_at == _adoption_oracle(weeks, result.activated_at, core)
    moments = [T0 + timedelta(minutes=m) for m in range(0, 60 * 24 * 60, 997)]
    order = ("trial", "aha", "activation", "adoption")
    stages = [order.index(result.stage_at(m)) for m in moments]
    assert stages == sorted(stages)  # a stage once reached is kept


# --- kept current through /v1/batch --------------------------------------------------------------


@pytest.fixture
def journey_features(client, project):
    api = AdminApi(client, project.secret_key, "features")
    for key in CORE:
        assert (
            api.post(
                json={"key": key, "name": key, "selector": f"#{key}", "core": True, "aha": key == "export"}
            ).status_code
            == 201
        )
    api.post(json={"key": "help", "name": "Help", "selector": "#help"})
    return api


def person(batches, user):
    return batches.all(Person, Person.user_id == user)[0]


def test_stages_advance_as_events_arrive_and_survey_answers_carry_the_stage_of_their_moment(
    app, batches, project, journey_features
):
    survey = (
        AdminApi(batches.client, project.secret_key, "surveys")
        .post(
            json={
                "name": "NPS",
                "kind": "nps",
                "status": "active",
                "questions": [{"id": "score", "type": "nps", "text": "Recommend?"}],
            }
        )
        .get_json()["id"]
    )
    story = Story(batches, T0)
    story.person("ada")
    story.answer("ada", survey, {"score": 5}, day=0, hours=0.5)
    story.use("ada", "share", day=0, hours=1)
    story.use("ada", "help", day=0, hours=1.5)
    story.send()
    assert person(batches, "ada").stage == "trial"
    story.use("ada", "export", day=1)  # aha
    story.answer("ada", survey, {"score": 8}, day=1, hours=3)
    story.send()
    ada = person(batches, "ada")
    assert (ada.stage, ada.aha_at) == ("aha", story.at(1, 1.01))
    story.use("ada", "alerts", day=13)  # third core feature within 14 days
    story.use("ada", "export", day=15)  # weeks 0, 1 and 2 hold core use: adoption
    story.send()
    ada = person(batches, "ada")
    assert (ada.stage, ada.activated_at, ada.adopted_at) == ("adoption", story.at(13, 1.01), story.at(15, 1.01))
    stamped = [r.stage for r in batches.all(Response, order_by=Response.created_at)]
    assert stamped == ["trial", "aha"]
    assert sorted(d.stage for d in batches.all(Display)) == ["aha", "trial"]


def test_a_retried_batch_does_not_move_anyone_twice(app, batches, project, journey_features):
    story = Story(batches, T0)
    story.person("bo")
    story.use("bo", "export", day=0)
    messages = sorted(story.messages, key=lambda m: m["timestamp"])
    for _ in range(2):
        assert batches.post(messages, sent_at=None).status_code == 200
    bo = person(batches, "bo")
    assert (bo.stage, bo.aha_at) == ("aha", story.at(0, 1.01))


def test_aha_events_and_a_rules_change_recompute_every_stage(app, client, batches, project, journey_features):
    story = Story(batches, T0)
    story.person("cy")
    story.track("cy", "Report Scheduled", day=2)
    story.use("cy", "share", day=3)
    story.use("cy", "alerts", day=4)
    story.send()
    assert person(batches, "cy").stage == "trial"
    rules = AdminApi(client, project.secret_key, "journey")
    answer = rules.put(json={"ahaEvents": ["Report Scheduled"], "activation": {"coreFeatures": 2}})
    assert answer.status_code == 200
    assert answer.get_json()["activation"] == {"coreFeatures": 2, "withinDays": 14}
    cy = person(batches, "cy")
    assert (cy.stage, cy.aha_at, cy.activated_at) == ("activation", story.at(2, 1), story.at(4, 1.01))
    assert rules.get().get_json()["ahaEvents"] == ["Report Scheduled"]
    assert rules.put(json={"activation": {"coreFeatures": 0}}).status_code == 422
    assert rules.put(json={"ahaEvents": []}).status_code == 200
    assert person(batches, "cy").stage == "trial"


def test_an_anonymous_visitor_who_signs_in_keeps_their_aha(app, batches, project, journey_features):
    story = Story(batches, T0)
    story.person("dee")
    story.send()
    anonymous = [
        {
            "type": "track",
            "messageId": f"anon-{i}",
            "anonymousId": "browser-1",
            "timestamp": story.at(1, i).isoformat(),
            "event": "feature_used",
            "properties": {"feature": "export"},
        }
        for i in range(2)
    ]
    anonymous.append(
        {
            "type": "identify",
            "messageId": "sign-in",
            "anonymousId": "browser-1",
            "userId": "dee",
            "timestamp": story.at(1, 3).isoformat(),
            "traits": {},
        }
    )
    assert batches.post(anonymous, sent_at=None).status_code == 200
    dee = person(batches, "dee")
    assert (dee.stage, dee.aha_at) == ("aha", story.at(1, 0))
    assert batches.count(Person) == 1


def test_journey_rules_belong_to_the_key_s_project(client, project, other_project):
    AdminApi(client, project.secret_key, "journey").put(json={"ahaEvents": ["Signed Contract"]})
    assert AdminApi(client, other_project.secret_key, "journey").get().get_json()["ahaEvents"] == []
    assert client.get("/api/v1/journey").status_code == 401
