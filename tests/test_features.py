"""/api/v1/features and `gapwise feature`: tagged features, scoped to the key's project."""

from functools import partial

import pytest
from click.testing import CliRunner

from gapwise.cli.main import main
from tests.helpers import AdminApi

EXPORT = {
    "key": "export",
    "name": "Export reports",
    "selector": "#export-btn",
    "event": "Report Exported",
    "core": True,
    "aha": True,
    "promised": False,
    "goals": ["reporting"],
    "effort": 2,
}


Api = partial(AdminApi, resource="features")


@pytest.fixture
def api(client, project):
    return Api(client, project.secret_key)


def test_create_list_get_update_delete(api):
    created = api.post(json=EXPORT)
    assert created.status_code == 201
    assert {k: created.get_json()[k] for k in EXPORT} == EXPORT
    assert [f["key"] for f in api.get().get_json()["features"]] == ["export"]
    updated = api.patch("/export", json={"effort": 5, "selector": None})
    assert updated.status_code == 200
    assert (updated.get_json()["effort"], updated.get_json()["selector"]) == (5, None)
    assert api.get("/export").get_json()["event"] == "Report Exported"
    assert api.delete("/export").status_code == 204
    assert api.get("/export").status_code == 404


def test_defaults_for_a_minimal_feature(api):
    body = api.post(json={"key": "share", "name": "Share", "event": "Dashboard Shared"}).get_json()
    assert (body["core"], body["aha"], body["promised"], body["goals"], body["effort"]) == (False, False, False, [], 3)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"key": "Has Spaces"}, "key"),
        ({"key": ""}, "key"),
        ({"name": ""}, "name"),
        ({"effort": 0}, "effort"),
        ({"effort": 6}, "effort"),
        ({"goals": "reporting"}, "goals"),
        ({"goals": ["x"] * 21}, "goals"),
        ({"selector": "a{color:red}"}, "selector"),
        ({"selector": None, "event": None}, "selector"),
        ({"core": "maybe"}, "core"),
    ],
)
def test_invalid_features_are_refused_with_the_field_named(api, change, field):
    response = api.post(json={**EXPORT, **change})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert api.get().get_json()["features"] == []


def test_an_update_may_not_leave_a_feature_unrecognisable(api):
    api.post(json={"key": "share", "name": "Share", "selector": ".share"})
    response = api.patch("/share", json={"selector": None})
    assert response.status_code == 422 and "selector" in response.get_json()["errors"]
    assert api.get("/share").get_json()["selector"] == ".share"


def test_duplicate_keys_conflict(api):
    api.post(json=EXPORT)
    response = api.post(json=EXPORT)
    assert response.status_code == 409 and response.get_json()["code"] == "conflict"


def test_a_body_that_is_not_an_object_is_a_bad_request(api):
    assert api.post(data="[]", content_type="application/json").status_code == 400
    assert api.post(data="nope", content_type="application/json").status_code == 400


def test_another_projects_key_sees_and_changes_nothing(client, api, other_project):
    api.post(json=EXPORT)
    theirs = Api(client, other_project.secret_key)
    assert theirs.get().get_json()["features"] == []
    assert theirs.get("/export").status_code == 404
    assert theirs.patch("/export", json={"effort": 1}).status_code == 404
    assert theirs.delete("/export").status_code == 404
    assert theirs.post(json=EXPORT).status_code == 201  # the same key is free in their project
    assert api.get("/export").get_json()["effort"] == 2


def test_no_key_no_features(client):
    assert client.get("/api/v1/features").status_code == 401
    assert client.post("/api/v1/features", json=EXPORT).status_code == 401


def test_the_cli_adds_lists_and_removes(app, project, api):
    env = {"GAPWISE_DATABASE_URL": app.config["DATABASE_URL"]}
    run = lambda *args: CliRunner().invoke(main, list(args), env=env)  # noqa: E731
    added = run(
        "feature",
        "add",
        "--project",
        str(project.id),
        "export",
        "--selector",
        "#export-btn",
        "--core",
        "--goal",
        "reporting",
        "--goal",
        "sharing",
        "--effort",
        "4",
    )
    assert added.exit_code == 0, added.output
    assert api.get("/export").get_json()["goals"] == ["reporting", "sharing"]
    assert (
        "export\texport\t#export-btn\t-\tcore\teffort 4" in run("feature", "list", "--project", str(project.id)).output
    )
    bad = run("feature", "add", "--project", str(project.id), "x", "--effort", "9")
    assert bad.exit_code == 2 and "effort: Must be greater than or equal to 1" in bad.output
    assert run("feature", "remove", "--project", str(project.id), "export").exit_code == 0
    assert api.get("/export").status_code == 404
    missing = run("feature", "list", "--project", "999")
    assert missing.exit_code == 2 and "no project with id 999" in missing.output


def test_text_with_nul_characters_is_a_bad_request_not_a_5xx(api):
    response = api.post(data=b'{"key": "x", "name": "a\\u0000b", "event": "e"}', content_type="application/json")
    assert response.status_code == 400 and "NUL" in response.get_json()["message"]
