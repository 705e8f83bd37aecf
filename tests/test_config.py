"""GET /v1/config: features and settings for the tracker, cached per project, with ETags."""

import pytest

from tests.test_features import EXPORT, Api


@pytest.fixture
def api(client, project):
    return Api(client, project.secret_key)


def get_config(client, project, **headers):
    return client.get(f"/v1/config?writeKey={project.write_key}&anonymousId=a1", headers=headers)


def test_config_lists_the_projects_features(client, project, api):
    api.post(json=EXPORT)
    api.post(json={"key": "alerts", "name": "Alerts", "event": "Alert Created"})
    response = get_config(client, project)
    assert response.status_code == 200
    assert response.get_json() == {
        "features": [
            {"key": "alerts", "selector": None, "event": "Alert Created"},
            {"key": "export", "selector": "#export-btn", "event": "Report Exported"},
        ],
        "surveys": [],
        "nudges": [],
        "settings": {},
    }
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_an_unchanged_config_answers_304_and_a_change_shows_at_once(client, project, api):
    first = get_config(client, project)
    etag = first.headers["ETag"]
    again = get_config(client, project, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag and again.data == b""
    api.post(json=EXPORT)
    changed = get_config(client, project, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert [f["key"] for f in changed.get_json()["features"]] == ["export"]


def test_config_is_per_project(client, project, other_project, api):
    api.post(json=EXPORT)
    assert get_config(client, other_project).get_json()["features"] == []


@pytest.mark.parametrize(
    "query, status", [("", 422), ("writeKey=pk_unknown", 401), ("writeKey=PK&anonymousId=" + "x" * 300, 422)]
)
def test_bad_config_requests(client, project, query, status):
    response = client.get(f"/v1/config?{query.replace('PK', project.write_key)}")
    assert response.status_code == status and response.get_json()["status"] == status


def test_config_is_readable_cross_origin(client, project):
    response = client.get(f"/v1/config?writeKey={project.write_key}", headers={"Origin": "https://app.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
