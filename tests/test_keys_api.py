"""/api/v1/keys: secret keys listed without their secret, created (shown once), revoked, with their last use."""

from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from gapwise.db import db
from gapwise.models import SecretKey
from gapwise.models.base import utcnow
from tests.helpers import AdminApi


@pytest.fixture
def keys(client, project):
    return AdminApi(client, project.secret_key, "keys")


def listed(keys) -> list[dict]:
    answer = keys.get()
    assert answer.status_code == 200
    return answer.get_json()["keys"]


def test_keys_are_listed_without_the_secret_or_its_hash(app, keys, project):
    (key,) = listed(keys)
    assert set(key) == {"id", "name", "prefix", "createdAt", "lastUsedAt", "revokedAt"}
    assert key["prefix"] == project.secret_key[:10] and key["revokedAt"] is None
    body = keys.get().get_data(as_text=True)
    with app.app_context():
        stored = db.session.scalar(select(SecretKey.key_hash))
    assert project.secret_key not in body and stored not in body


def test_a_new_key_is_shown_once_and_works(client, keys):
    created = keys.post(json={"name": "CI exporter"})
    assert created.status_code == 201
    key = created.get_json()
    assert key["key"].startswith("sk_") and key["prefix"] == key["key"][:10] and key["name"] == "CI exporter"
    assert AdminApi(client, key["key"], "project").get().status_code == 200
    assert [k["name"] for k in listed(keys)] == ["default", "CI exporter"]
    assert key["key"] not in keys.get().get_data(as_text=True)


@pytest.mark.parametrize(
    "body, status",
    [({}, 422), ({"name": ""}, 422), ({"name": "   "}, 422), ({"name": "x" * 201}, 422), ({"name": 7}, 422), ([], 400)],
)
def test_a_key_needs_a_name(keys, body, status):
    answer = keys.post(json=body)
    assert answer.status_code == status and answer.get_json()["code"]


def test_a_revoked_key_stops_working_at_once(client, keys):
    spare = keys.post(json={"name": "spare"}).get_json()
    assert keys.delete(f"/{spare['id']}").status_code == 204
    assert AdminApi(client, spare["key"], "project").get().status_code == 401
    revoked = next(k for k in listed(keys) if k["id"] == spare["id"])
    assert revoked["revokedAt"] is not None
    assert keys.delete(f"/{spare['id']}").status_code == 204  # revoking twice keeps the first time
    assert next(k for k in listed(keys) if k["id"] == spare["id"])["revokedAt"] == revoked["revokedAt"]


def test_the_key_in_use_may_revoke_itself(keys):
    (own,) = listed(keys)
    assert keys.delete(f"/{own['id']}").status_code == 204
    assert keys.get().status_code == 401


@pytest.mark.parametrize("key_id", ["999", "0", str(2**31), str(2**63), "-1", "abc"])
def test_an_unknown_key_is_not_found(keys, key_id):
    assert keys.delete(f"/{key_id}").status_code == 404


def test_another_projects_key_cannot_be_seen_or_revoked(client, keys, other_project):
    theirs = AdminApi(client, other_project.secret_key, "keys")
    (their_key,) = listed(theirs)
    assert their_key["id"] not in [k["id"] for k in listed(keys)]
    assert keys.delete(f"/{their_key['id']}").status_code == 404
    assert theirs.get().status_code == 200


def test_last_use_is_recorded_at_most_once_a_minute(app, client, keys, project):
    assert listed(keys)[0]["lastUsedAt"] is not None  # listing is itself a use
    writes = []

    def count_writes(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE SECRET_KEYS"):
            writes.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count_writes)
    try:
        for _ in range(20):
            assert keys.get().status_code == 200
        assert writes == []
        with app.app_context():
            db.session.execute(update(SecretKey).values(last_used_at=utcnow() - timedelta(minutes=2)))
            db.session.commit()
        writes.clear()
        before = utcnow()
        for _ in range(5):
            assert keys.get().status_code == 200
        assert len(writes) == 1
        assert listed(keys)[0]["lastUsedAt"] >= before.isoformat()[:19]
    finally:
        event.remove(engine, "before_cursor_execute", count_writes)


def test_a_key_never_used_has_no_last_use(keys):
    keys.post(json={"name": "unused"})
    assert [k["lastUsedAt"] is None for k in listed(keys)] == [False, True]
