"""The demo data (gapwise.demo, examples/simulate.py): deterministic, accepted whole, and meaningful."""

import importlib.util
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gapwise.core.gaps import report as gap_report
from gapwise.db import db
from gapwise.demo import plan as demo_data
from gapwise.demo import seed as demo
from gapwise.demo import simulation

NOW = datetime(2026, 11, 23, 18, 30, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def simulate():
    """examples/simulate.py, imported from its file as a user would run it."""
    spec = importlib.util.spec_from_file_location("simulate", ROOT / "examples" / "simulate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("simulate", None)


@pytest.fixture(scope="module")
def messages():
    return simulation.generate(now=NOW)


def loaded(app, simulate):
    """The demo project set up in the app's database, with the simulation posted to /v1/batch."""
    with app.app_context():
        project = demo.configure(db.session)
    sent = simulation.generate(now=NOW, survey_ids=project.survey_ids)
    return project, sent, simulate.load(app, project.write_key, sent)


def test_the_same_seed_gives_the_same_messages(messages):
    assert simulation.generate(now=NOW) == messages
    assert simulation.generate(now=NOW, seed=8) != messages


def test_message_ids_are_unique_and_do_not_depend_on_the_clock(messages):
    ids = [m["messageId"] for m in messages]
    assert len(set(ids)) == len(ids)
    assert [m["messageId"] for m in simulation.generate(now=NOW + timedelta(hours=5))] == ids


def test_every_message_lies_in_the_simulated_days_oldest_first(messages):
    times = [datetime.fromisoformat(m["timestamp"]) for m in messages]
    assert times == sorted(times)
    assert NOW - timedelta(days=demo_data.DAYS) <= times[0] and times[-1] <= NOW


def test_a_person_keeps_their_messages_however_many_people_are_simulated(messages):
    few = simulation.generate(people=5, now=NOW)
    assert few == [m for m in messages if m["anonymousId"] in {f"anon-{n:04d}" for n in range(5)}]
    sliced = simulation.generate(people=2, now=NOW, first=3)  # how bench/gaps.py generates 10k people
    assert sliced == [m for m in messages if m["anonymousId"] in ("anon-0003", "anon-0004")]


def test_the_simulation_has_people_accounts_and_answers_in_the_planted_proportions(messages):
    sources = Counter(m["traits"]["source"] for m in messages if m["type"] == "identify")
    assert sources.total() == demo_data.PEOPLE
    assert sources["ads"] / demo_data.PEOPLE == pytest.approx(demo_data.ADS_SHARE, abs=0.06)
    accounts = {m["groupId"]: m["traits"] for m in messages if m["type"] == "group"}
    assert 30 <= len(accounts) <= demo_data.ACCOUNTS and len({a["plan"] for a in accounts.values()}) == 4
    welcome = [m for m in messages if m["type"] == "survey" and m["surveyId"] == "welcome" and m["action"] != "shown"]
    answered = [m["answers"]["goals"] for m in welcome if m["action"] == "answered"]
    assert len(answered) / len(welcome) == pytest.approx(0.9, abs=0.05)  # the rest were dismissed
    automation = sum("automation" in goals for goals in answered) / len(answered)
    assert automation == pytest.approx(demo_data.GOALS["automation"], abs=0.07)


def test_every_message_is_accepted_and_loading_again_adds_nothing(app, simulate):
    project, sent, first = loaded(app, simulate)
    assert first == {"accepted": len(sent), "duplicates": 0}
    again = simulate.load(app, project.write_key, sent)  # captured again; the writer stores nothing new
    assert again == {"accepted": len(sent), "duplicates": 0}
    with app.app_context():
        assert demo.configure(db.session).events == len(sent)  # configuring again changes nothing


def flagged_now(app, simulate) -> list[dict]:
    """The gap report's current flags for the loaded demo."""
    project, _, _ = loaded(app, simulate)
    with app.app_context():
        report = gap_report.report(db.session, project.project_id, at=NOW)
    return [g for g in report["gaps"] if g.get("flagged", True)]  # not those closed since the last window


def test_the_gap_report_flags_what_was_planted_and_leaves_export_alone(app, simulate):
    current = flagged_now(app, simulate)
    flagged = {(g["type"], g["subject"], g["cohort"]) for g in current}
    for planted in demo_data.PLANTED_GAPS:
        assert planted in flagged, (planted, sorted(flagged))
    assert [g["key"] for g in current if g["subject"] == demo_data.HEALTHY_FEATURE] == []
    expected = {p[:2] for p in demo_data.PLANTED_GAPS} | set(demo_data.CONSEQUENCES)
    assert {f for f in flagged if f[:2] not in expected} == set()  # nothing the simulation did not cause
    assert all(g["priority"] > 0 and g["evidence"] for g in current)


def test_the_demo_runs_a_nudge_on_its_communication_gap_with_a_measured_lift(app):
    from gapwise.core.nudges import definitions as nudges
    from gapwise.core.nudges import results

    with app.app_context():
        project_id = demo.seed(db.session, people=200, days=45).project_id
        [nudge] = nudges.list_nudges(db.session, project_id)
        assert (nudge.kind, nudge.status, nudge.content["feature"], nudge.holdout) == (
            "tooltip",
            "active",
            "alerts",
            0.2,
        )
        measured = results.results(db.session, project_id, nudge.id)
        treatment, holdout, lift = measured["treatment"], measured["holdout"], measured["lift"]
        assert treatment["n"] > holdout["n"] > 0 and treatment["rate"] > holdout["rate"]
        assert lift["low"] < lift["value"] < lift["high"] and lift["value"] > 0.05
        assert treatment["severity"] < holdout["severity"]  # the gap is narrower where people were nudged
        demo.seed(db.session, people=200, days=45)
        assert len(nudges.list_nudges(db.session, project_id)) == 1  # seeding again plants nothing more
        gap_id = nudge.gap_id

    # A PM, as in `make demo`: the communication gap's card shows the running nudge and offers another.
    from tests.test_ui_overview import signed_in

    pm = signed_in(app, "pm@example.com", project_id, "editor")
    gaps_page = f"/app/p/{project_id}/gaps"
    card = pm.client.get(gaps_page).get_data(as_text=True).split(f'id="gap-{gap_id}"')[1].split('id="gap-')[0]
    assert "verdict <strong>" in card and "Close this gap" in card
    proposed = pm.submit(gaps_page, f"/app/p/{project_id}/gaps/{gap_id}/nudge", {})
    assert proposed.status_code == 302
    page = pm.client.get(proposed.headers["Location"]).get_data(as_text=True)
    assert '<span class="tag">tooltip</span>' in page and "<dt>Points at</dt><dd>alerts</dd>" in page
    assert "the communication gap on alerts touches" in page and "20% never see it" in page
    launched = pm.submit(proposed.headers["Location"], proposed.headers["Location"], {"action": "launch"})
    assert launched.status_code == 302
    assert "<strong>active</strong>" in pm.client.get(proposed.headers["Location"]).get_data(as_text=True)
    # The demo's own nudge reads its lift with an interval and the gap's severity in each arm.
    running = pm.client.get(f"/app/p/{project_id}/nudges/{nudge.id}").get_data(as_text=True)
    assert "Lift: <strong>+" in running and "95% interval" in running and "Gap severity" in running
