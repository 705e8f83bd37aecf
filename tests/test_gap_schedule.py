"""Scheduled gap evaluation: reads only read; POST /api/v1/gaps/evaluate, `gapwise gaps --evaluate` and the
scheduler measure, store and announce, one process per project and period.

The planted-gaps product of test_gaps: `communication:alerts:all` is flagged in the window ending at AT.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from gapwise.core.evaluation import schedule
from gapwise.core.gaps import report as gap_engine
from gapwise.db import db
from gapwise.models import Gap, GapSnapshot, GapWindow, WebhookDelivery
from gapwise.models.gaps import GapSchedule
from tests.helpers import AdminApi, app_for_tests
from tests.test_gaps import AT, Product
from tests.test_ui_overview import signed_in

STORED = (GapWindow, GapSnapshot, Gap, WebhookDelivery, GapSchedule)


@pytest.fixture
def planted(client, batches, project) -> Product:
    """The planted-gaps product of test_gaps after its first month, with gap webhooks subscribed."""
    product = Product(client, batches, project)
    product.first_month()
    hook = {"url": "https://hooks.example.com/gapwise", "events": ["gap.flagged", "gap.closed"]}
    assert AdminApi(client, project.secret_key, "webhooks").post(json=hook).status_code == 201
    return product


def stored(batches) -> dict:
    return {model.__name__: batches.count(model) for model in STORED}


def read_everything(app, client, project, gapwise, at=None) -> dict:
    """Every way of reading gaps: the API, account health, the dashboard pages and the CLI."""
    api = AdminApi(client, project.secret_key, "gaps")
    query = {"at": at.isoformat()} if at else {}
    report = api.get(query_string=query)
    assert report.status_code == 200
    assert AdminApi(client, project.secret_key, "accounts").get("/health", query_string=query).status_code == 200
    viewer = signed_in(app, f"viewer-{len(query)}@example.com", project.id, "viewer")
    assert viewer.client.get(f"/app/p/{project.id}/").status_code == 200
    page = viewer.client.get(f"/app/p/{project.id}/gaps", query_string=query)
    assert page.status_code == 200
    cli = gapwise("gaps", "--project", project.id, *(["--at", at.isoformat()] if at else []))
    assert cli.exit_code == 0, cli.output
    return {"report": report.get_json(), "page": page.get_data(as_text=True), "cli": cli.output}


def test_reading_before_any_evaluation_says_so_and_writes_nothing(app, client, planted, project, gapwise, batches):
    before = stored(batches)
    seen = read_everything(app, client, project, gapwise)
    assert stored(batches) == before and set(before.values()) == {0}
    report = seen["report"]
    assert (report["state"], report["measuredAt"], report["gaps"]) == ("not_evaluated", None, [])
    assert report["window"]["days"] == 30 and report["thresholds"]["windowDays"] == 30
    assert "has not been evaluated yet" in seen["page"] and "not evaluated yet" in seen["cli"]


def test_evaluating_stores_and_announces_then_every_read_shows_it_without_writing(
    app, client, planted, project, gapwise, batches
):
    api = AdminApi(client, project.secret_key, "gaps")
    evaluated = api.post("/evaluate", json={"at": AT.isoformat()})
    assert evaluated.status_code == 200, evaluated.get_json()
    report = evaluated.get_json()
    assert report["state"] == "evaluated" and report["measuredAt"]
    assert "communication:alerts:all" in {g["key"] for g in report["gaps"]}
    flagged = {d.payload["data"]["key"] for d in batches.all(WebhookDelivery)}
    assert "communication:alerts:all" in flagged
    after = stored(batches)
    for at in (None, AT):  # the latest evaluated window, and the same window by its day
        seen = read_everything(app, client, project, gapwise, at)
        assert seen["report"] == report
        assert "Measured " in seen["page"] and "measured " in seen["cli"]
    assert stored(batches) == after


def test_evaluate_refuses_an_unreadable_moment(client, project):
    api = AdminApi(client, project.secret_key, "gaps")
    assert api.post("/evaluate", query_string={"at": "someday"}).status_code == 422
    assert api.post("/evaluate", json={"at": 5}).status_code == 422
    assert api.get().get_json()["state"] == "not_evaluated"


def test_one_pass_evaluates_every_project_and_announces_a_new_gap_with_nobody_reading(
    app, client, planted, project, other_project, batches
):
    with app.app_context():
        assert schedule.run_once(db.session, AT, 60) == [project.id, other_project.id]
    announced = {
        d.payload["data"]["key"] for d in batches.all(WebhookDelivery, WebhookDelivery.event_type == "gap.flagged")
    }
    assert "communication:alerts:all" in announced
    assert batches.count(GapWindow, GapWindow.project_id == other_project.id) == 2  # its window and the one before
    report = AdminApi(client, project.secret_key, "gaps").get().get_json()
    assert report["state"] == "evaluated" and {g["key"] for g in report["gaps"]} >= announced


def test_a_project_is_evaluated_once_per_period_and_again_after_it(app, planted, project):
    with app.app_context():
        assert schedule.run_once(db.session, AT, 60) == [project.id]
        assert schedule.run_once(db.session, AT + timedelta(minutes=59), 60) == []
        assert schedule.run_once(db.session, AT + timedelta(minutes=60), 60) == [project.id]


def test_the_first_pass_after_midnight_evaluates_the_window_that_just_ended(
    app, planted, project, batches, monkeypatch
):
    evaluated = []
    real = gap_engine.evaluate
    monkeypatch.setattr(gap_engine, "evaluate", lambda s, pid, at=None: evaluated.append(at) or real(s, pid, at))
    with app.app_context():
        schedule.run_once(db.session, AT + timedelta(hours=23), 60)
        schedule.run_once(db.session, AT + timedelta(days=1, minutes=5), 60)
        ends = set(db.session.scalars(select(GapWindow.window_end).where(GapWindow.project_id == project.id)))
    assert evaluated == [
        AT + timedelta(hours=23),
        AT + timedelta(days=1) - timedelta(microseconds=1),  # the day that ended, with all of its data
        AT + timedelta(days=1, minutes=5),
    ]
    day = int(AT.timestamp() // 86400)
    assert {day + 1, day + 2} <= ends
    announced = Counter(d.payload["data"]["key"] for d in batches.all(WebhookDelivery))
    assert announced["communication:alerts:all"] == 1  # still flagged the next day: not announced again
    assert set(announced.values()) == {1}


def test_two_schedulers_on_one_database_do_not_both_evaluate_a_project(
    app, planted, project, other_project, monkeypatch
):
    second = app_for_tests({**app.config, "TESTING": True})
    calls: Counter = Counter()
    real = gap_engine.evaluate

    def counting(session, project_id, at=None):
        calls[project_id] += 1
        return real(session, project_id, at)

    monkeypatch.setattr(gap_engine, "evaluate", counting)
    start, done = threading.Barrier(2), []

    def one_pass(instance):
        with instance.app_context():
            start.wait()
            done.append(schedule.run_once(db.session, AT, 60))
            db.session.close()

    threads = [threading.Thread(target=one_pass, args=(a,)) for a in (app, second)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        second.extensions["gapwise.db"].engine.dispose()
    assert len(done) == 2
    assert sorted(pid for evaluated in done for pid in evaluated) == sorted([project.id, other_project.id])
    assert calls == {project.id: 1, other_project.id: 1}


@pytest.mark.parametrize("enabled", [True, False])
def test_the_scheduler_thread_runs_a_pass_when_turned_on(app, project, enabled):
    app.config["GAP_SCHEDULER"] = enabled
    stop = threading.Event()
    stop.set()  # one pass, then stop
    thread = schedule.start_scheduler(app, stop)
    assert (thread is not None) == enabled
    if thread:
        thread.join(60)
        assert not thread.is_alive()
    with app.app_context():
        assert (db.session.get(GapSchedule, project.id) is not None) == enabled


def test_the_gaps_command_evaluates_now(app, planted, project, other_project, gapwise, batches):
    assert gapwise("gaps").exit_code == 2  # reading needs a project
    one = gapwise("gaps", "--evaluate", "--project", project.id, "--at", AT.isoformat())
    assert one.exit_code == 0, one.output
    assert "communication" in one.output and "measured " in one.output
    every = gapwise("gaps", "--evaluate")
    assert every.exit_code == 0, every.output
    assert f"project {project.id}" in every.output and f"project {other_project.id}" in every.output
    assert batches.count(GapWindow, GapWindow.project_id == other_project.id) == 2
