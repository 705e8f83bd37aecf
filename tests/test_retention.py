"""Retention deletes raw events before the cutoff, month by month, and leaves people and rollups alone."""

from datetime import UTC, datetime, timedelta

import pytest

from gapwise.core.storage import retention
from gapwise.db import db
from gapwise.models import Activity, Event, Person
from tests.helpers import message, utc

RECENT = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
OLD = ["2024-01-15T10:00:00.000Z", "2024-02-10T10:00:00.000Z", "2024-02-29T23:59:59.000Z"]


@pytest.mark.parametrize(
    "text, keep",
    [
        ("13months", retention.Keep(13, "months")),
        ("1month", retention.Keep(1, "months")),
        ("400days", retention.Keep(400, "days")),
        (" 7 days ", retention.Keep(7, "days")),
    ],
)
def test_keep_reads_months_and_days(text, keep):
    assert retention.parse_keep(text) == keep
    assert str(keep) == text.replace(" ", "")


@pytest.mark.parametrize(
    "text, error",
    [
        ("0months", "positive number"),
        ("13", "positive number"),
        ("13 weeks", "like 13months or 400days"),
        ("-3days", "positive number"),
        ("", "positive number"),
        ("5000months", "more than a century"),
    ],
)
def test_keep_refuses_what_it_cannot_read(text, error):
    with pytest.raises(ValueError, match=error):
        retention.parse_keep(text)


@pytest.mark.parametrize(
    "keep, now, first_kept",
    [
        ("13months", utc(2026, 11, 24, 1), utc(2025, 11, 1)),
        ("1month", utc(2026, 11, 24, 1), utc(2026, 11, 1)),
        ("12months", utc(2026, 1, 1), utc(2025, 2, 1)),
        ("1day", utc(2026, 11, 24, 1), utc(2026, 11, 24)),
        ("400days", utc(2026, 11, 24, 1), utc(2025, 10, 21)),
    ],
)
def test_cutoff_keeps_whole_months_or_whole_days(keep, now, first_kept):
    assert retention.cutoff(retention.parse_keep(keep), now) == first_kept


def post_events(batches, stamps, anonymous_id="anon-1", write_key=None):
    # No sentAt: the timestamps are stored as sent, uncorrected.
    body = [message(timestamp=t, anonymousId=anonymous_id) for t in stamps]
    assert batches.post(body, write_key=write_key, sent_at=None).get_json()["accepted"] == len(stamps)


def stored(batches, project_id) -> list[datetime]:
    return sorted(e.timestamp for e in batches.all(Event, Event.project_id == project_id))


def test_purge_removes_old_months_in_batches_and_keeps_people_and_rollups(app, batches, project):
    post_events(batches, OLD + [RECENT])
    activity_before = batches.count(Activity, Activity.project_id == project.id)
    with app.app_context():
        removed = retention.purge(db.session, utc(2025, 1, 1), batch_rows=1)
    assert [(r.month, r.events) for r in removed] == [(utc(2024, 1, 1), 1), (utc(2024, 2, 1), 2)]
    assert [t >= utc(2025, 1, 1) for t in stored(batches, project.id)] == [True]
    assert batches.count(Person, Person.project_id == project.id) == 1
    assert batches.count(Activity, Activity.project_id == project.id) == activity_before > 1


def test_dry_run_counts_and_removes_nothing(app, batches, project):
    post_events(batches, OLD)
    with app.app_context():
        removed = retention.purge(db.session, utc(2024, 2, 20), dry_run=True)
    assert [(r.month, r.events) for r in removed] == [(utc(2024, 1, 1), 1), (utc(2024, 2, 1), 1)]
    assert len(stored(batches, project.id)) == 3


def test_purge_of_one_project_leaves_the_others(app, batches, project, other_project):
    post_events(batches, OLD)
    post_events(batches, OLD, write_key=other_project.write_key)
    with app.app_context():
        retention.purge(db.session, utc(2025, 1, 1), project_id=project.id)
    assert stored(batches, project.id) == []
    assert len(stored(batches, other_project.id)) == 3


def test_command_prints_what_it_removed(gapwise, batches, project):
    post_events(batches, OLD + [RECENT])
    dry = gapwise("retention", "--keep", "13months", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"project {project.id}\t2024-02\twould remove 2 events" in dry.output
    assert "would remove 3 events" in dry.output
    assert len(stored(batches, project.id)) == 4
    result = gapwise("retention", "--keep", "400days", "--project", project.id)
    assert result.exit_code == 0, result.output
    assert f"project {project.id}\t2024-01\tremoved 1 events" in result.output
    assert "removed 3 events" in result.output and "rollups, people" in result.output
    assert len(stored(batches, project.id)) == 1
    again = gapwise("retention", "--keep", "400days")
    assert again.exit_code == 0 and "removed 0 events" in again.output


@pytest.mark.parametrize(
    "args, error",
    [
        (["--keep", "13 weeks"], "like 13months or 400days"),
        (["--keep", "0days"], "positive number"),
        ([], "Missing option '--keep'"),
        (["--keep", "13months", "--project", "999999"], "no project with id 999999"),
    ],
)
def test_command_refuses_bad_arguments_clearly(gapwise, args, error):
    result = gapwise("retention", *args)
    assert result.exit_code == 2
    assert error in result.output
    assert "Traceback" not in result.output
