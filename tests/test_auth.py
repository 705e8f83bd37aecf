"""The secret-key guard in front of /api/v1."""

import pytest
from sqlalchemy import select

from gapwise.core.projects.keys import create_secret_key, hash_key, revoke_secret_key
from gapwise.db import db
from gapwise.models import SecretKey


def get_project(client, authorization=None):
    headers = {"Authorization": authorization} if authorization is not None else {}
    return client.get("/api/v1/project", headers=headers)


def test_a_secret_key_resolves_its_own_project(client, project, other_project):
    mine = get_project(client, f"Bearer {project.secret_key}")
    theirs = get_project(client, f"Bearer {other_project.secret_key}")
    assert mine.status_code == 200 and theirs.status_code == 200
    assert mine.get_json()["id"] == project.id and mine.get_json()["writeKey"] == project.write_key
    assert theirs.get_json()["id"] == other_project.id


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer sk_wrong",
        "Basic c2tfd3Jvbmc6",
        "sk_no_scheme",
        "Bearer pk_public",
        "Bearer " + "sk_" + "x" * 500,
    ],
)
def test_without_a_valid_key_the_answer_is_401_with_no_hint(client, project, authorization):
    if authorization == "Bearer pk_public":
        authorization = f"Bearer {project.write_key}"
    response = get_project(client, authorization)
    assert response.status_code == 401
    assert response.get_json() == {
        "code": "unauthorized",
        "status": 401,
        "message": "A valid secret key is required: Authorization: Bearer sk_…",
    }
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_scheme_is_case_insensitive(client, project):
    assert get_project(client, f"bearer {project.secret_key}").status_code == 200


def test_a_revoked_key_stops_working_and_others_keep_working(app, client, project):
    with app.app_context():
        second = create_secret_key(db.session, project.id, "ci")
        first_id = db.session.scalar(select(SecretKey.id).where(SecretKey.key_hash == hash_key(project.secret_key)))
        revoke_secret_key(db.session, project.id, first_id)
    assert get_project(client, f"Bearer {project.secret_key}").status_code == 401
    assert get_project(client, f"Bearer {second}").status_code == 200


def test_secret_keys_are_stored_only_as_hashes(app, project):
    with app.app_context():
        rows = db.session.scalars(select(SecretKey)).all()
    assert [r.key_hash for r in rows] == [hash_key(project.secret_key)]
    assert all(project.secret_key not in (r.key_hash, r.prefix) for r in rows)
    assert rows[0].prefix == project.secret_key[:10]
