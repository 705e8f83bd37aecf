"""Usage rollups kept at ingest equal a rebuild from raw events, whatever the order, retries and merges."""

import random
import uuid

import pytest
from sqlalchemy import select

from gapwise.core.ingest import rollups
from gapwise.core.storage.sql import day_number
from gapwise.db import db
from gapwise.models import Activity, FeatureUsage
from tests.helpers import AdminApi, Batches, drain, utc
from tests.story import Story

T0 = utc(2026, 10, 1, 8)
FEATURES = {"export": "Report Exported", "share": None, "alerts": "Alert Created"}


def snapshot(app, project_id):
    with app.app_context():
        usage = db.session.execute(
            select(
                FeatureUsage.person_id,
                FeatureUsage.feature_id,
                FeatureUsage.day,
                FeatureUsage.used,
                FeatureUsage.seen,
                FeatureUsage.events,
                FeatureUsage.first_used_at,
            ).where(FeatureUsage.project_id == project_id)
        ).all()
        activity = db.session.execute(
            select(Activity.person_id, Activity.day, Activity.events).where(Activity.project_id == project_id)
        ).all()
        return sorted(map(tuple, usage)), sorted(map(tuple, activity))


def rebuilt(app, project_id):
    with app.app_context():
        rollups.rebuild(db.session, project_id)
        db.session.commit()
    return snapshot(app, project_id)


def add_features(client, project, keys=FEATURES):
    api = AdminApi(client, project.secret_key, "features")
    for key, event in keys.items():
        spec = {"key": key, "name": key, "selector": f"#{key}", **({"event": event} if event else {})}
        assert api.post(json=spec).status_code == 201


def random_messages(rng: random.Random, n: int) -> list[dict]:
    """Feature clicks, exposures, mapped events, unknown features, pages and sign-ins by anonymous browsers."""
    out = []
    for _ in range(n):
        who = rng.randrange(6)
        base = {
            "messageId": str(uuid.UUID(int=rng.getrandbits(128))),
            "anonymousId": f"browser-{who}",
            "timestamp": utc(2026, 10, 1 + rng.randrange(20), rng.randrange(24), rng.randrange(60)).isoformat(),
        }
        roll = rng.random()
        if roll < 0.45:
            name = rng.choice(["feature_used", "feature_seen"])
            key = rng.choice(["export", "share", "alerts", "nope", 7])
            out.append({**base, "type": "track", "event": name, "properties": {"feature": key}})
        elif roll < 0.7:
            out.append(
                {
                    **base,
                    "type": "track",
                    "event": rng.choice(["Report Exported", "Alert Created", "Other"]),
                    "properties": {},
                }
            )
        elif roll < 0.85:
            out.append({**base, "type": "page", "properties": {"path": "/"}})
        else:
            out.append({**base, "type": "identify", "userId": f"user-{who % 3}", "traits": {}})
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_kept_at_ingest_equal_a_rebuild_from_raw_events(app, client, batches, project, seed):
    add_features(client, project)
    rng = random.Random(seed)
    messages = random_messages(rng, 400)
    capture = Batches(app, app.test_client(drain=False), project)
    for start in range(0, len(messages), 37):
        chunk = messages[start : start + 37]
        assert capture.post(chunk, sent_at=None).status_code == 200
        if rng.random() < 0.5:  # a client retrying a batch it did not hear back about
            assert capture.post(chunk, sent_at=None).status_code == 200
        if rng.random() < 0.3:  # the writer catches up now and then; retries land in later chunks too
            drain(app)
    drain(app)
    kept = snapshot(app, project.id)
    assert kept[0] and kept[1]
    assert kept == rebuilt(app, project.id)


def test_counts_and_first_use_of_a_day(app, client, batches, project):
    add_features(client, project)
    story = Story(batches, T0)
    story.person("ada")
    story.see("ada", "share", day=0, hours=1)
    story.use("ada", "export", day=0, hours=3)
    story.track("ada", "Report Exported", day=0, hours=2)
    story.use("ada", "export", day=1, hours=5)
    story.send()
    usage, activity = snapshot(app, project.id)
    d0, d1 = day_number(T0), day_number(T0) + 1
    assert [(row[2], row[3:]) for row in usage] == [
        (d0, (1, 1, 1, story.at(0, 2))),  # export: one click, one exposure, one mapped event; first use at 2h
        (d1, (1, 1, 0, story.at(1, 5.01))),
        (d0, (0, 1, 0, None)),  # share: seen, never used
    ]
    # person() sends an identify, which describes ada but is not something she did: it is not activity.
    assert [row[1:] for row in activity] == [(d0, 4), (d1, 2)]


def test_a_feature_added_later_counts_the_events_sent_before_it(app, client, batches, project):
    story = Story(batches, T0)
    story.person("bo")
    story.track("bo", "Report Exported", day=2)
    story.send()
    assert snapshot(app, project.id)[0] == []
    add_features(client, project, {"export": "Report Exported"})
    usage = snapshot(app, project.id)[0]
    assert [row[2:6] for row in usage] == [(day_number(T0) + 2, 0, 0, 1)]
    assert snapshot(app, project.id) == rebuilt(app, project.id)


def test_the_rebuild_command_prints_what_it_did(app, client, batches, project, gapwise):
    add_features(client, project)
    story = Story(batches, T0)
    story.person("cy")
    story.use("cy", "share", day=0)
    story.send()
    before = snapshot(app, project.id)
    result = gapwise("rollups", "rebuild", "--project", project.id)
    assert result.exit_code == 0, (result.output, result.exception)
    assert f"rollups rebuilt for project {project.id}" in result.output
    assert snapshot(app, project.id) == before
    assert gapwise("rollups", "rebuild", "--project", 999).exit_code == 2
