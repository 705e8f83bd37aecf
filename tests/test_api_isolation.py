"""Every /api/v1 endpoint, called with another project's secret key, reads and changes nothing of this project.

The endpoints come from the app's url_map, so a new one is covered as soon as it is registered; its path
parameters are filled with this project's real ids and keys, so a missing project scope would show.
"""

import hashlib
import re
import uuid

import pytest
from sqlalchemy import select

from gapwise.api.openapi import cached_spec
from gapwise.db import db
from gapwise.models import Base
from tests.helpers import AdminApi, utc
from tests.story import Story

MARK = "vx"  # every name and id of the seeded project starts with it: no other project's answer may contain it
T0 = utc(2026, 10, 5, 9)
NPS = {
    "name": f"{MARK} NPS",
    "kind": "nps",
    "status": "active",
    "questions": [{"id": "score", "type": "nps", "text": "Recommend us?"}],
}
CSAT = {
    "name": f"{MARK} CSAT",
    "kind": "csat",
    "status": "active",
    "questions": [{"id": "csat", "type": "rating", "scale": 5, "text": "Happy?"}],
}
QUERY = {"person": f"{MARK}-u1"}  # values of required query arguments


def seed(app, client, batches, project, people: int = 12) -> dict:
    """A small, complete project built through the public API and /v1/batch, so every endpoint has something to
    show; returns the ids and keys that fill path parameters, by parameter name."""

    def api(resource):
        return AdminApi(client, project.secret_key, resource)

    created = [
        api("features").post(
            json={
                "key": f"{MARK}-export",
                "name": "Export",
                "event": "Report Exported",
                "selector": "#export",
                "core": True,
                "aha": True,
                "goals": ["reporting"],
            }
        ),
        api("features").post(json={"key": f"{MARK}-share", "name": "Share", "selector": "#share", "promised": True}),
        api("segments").post(
            json={
                "key": f"{MARK}-pro",
                "name": "Pro",
                "rules": {"conditions": [{"field": "trait", "key": "plan", "op": "eq", "value": "pro"}]},
            }
        ),
        api("surveys").post(json=NPS),
        api("surveys").post(json=CSAT),
        api("keys").post(json={"name": f"{MARK} spare"}),
        api("webhooks").post(json={"url": "https://hooks.example.com/hook", "events": ["response.created"]}),
    ]
    assert [r.status_code for r in created] == [201] * len(created), [r.get_json() for r in created]
    nps, csat, key, webhook = (r.get_json()["id"] for r in created[3:])
    story = Story(batches, T0)
    for i in range(people):
        user = story.person(
            f"{MARK}-u{i}",
            i % 5,
            traits={"plan": "pro" if i % 2 else "free"},
            account=f"{MARK}-acme" if i < people // 2 else f"{MARK}-globex",
            mrr=100 * (i + 1),
        )
        if i % 3:
            story.use(user, f"{MARK}-export", i % 5 + 1)
        story.answer(user, nps, {"score": i % 11}, i % 5 + 2, completed=i % 4 != 0)
        story.answer(user, csat, {"csat": i % 5 + 1}, i % 5 + 3)
    story.send()
    accounts = [
        {
            "type": "group",
            "messageId": str(uuid.uuid4()),
            "userId": f"{MARK}-u0",
            "groupId": f"{MARK}-acme",
            "timestamp": story.at(1).isoformat(),
            "traits": {"plan": "scale", "tier": "gold"},
        }
    ]
    assert batches.post(accounts, sent_at=None).status_code == 200
    assert api("gaps/thresholds").put(json={"minPeople": 1}).status_code == 200
    gaps = api("gaps").post("/evaluate", query_string={"at": story.at(10).isoformat()}).get_json()["gaps"]
    assert gaps, "the seeded project should have a gap to remediate"
    person = api("people").get(query_string={"limit": 1}).get_json()["people"][0]
    account = api("accounts").get(query_string={"q": f"{MARK}-acme"}).get_json()["accounts"][0]
    nudge = api("nudges").post(
        json={
            "name": f"{MARK} nudge",
            "kind": "banner",
            "body": "Try sharing",
            "target": {"segment": f"{MARK}-pro"},
            "metric": {"measure": "adoption", "feature": f"{MARK}-share"},
        }
    )
    assert nudge.status_code == 201, nudge.get_json()
    return {
        "key": f"{MARK}-export",
        "segment": f"{MARK}-pro",
        "survey_id": nps,
        "key_id": key,
        "webhook_id": webhook,
        "account_id": account["id"],
        "person_id": person["id"],
        "gap_id": gaps[0]["id"],
        "nudge_id": nudge.get_json()["id"],
    }


def path_values(path: str, seeded: dict) -> dict:
    """This project's values for the parameters of a path (`<int:survey_id>` or `{survey_id}` alike)."""
    values = {**seeded, "key": seeded["segment"] if "/segments/" in path else seeded["key"]}
    names = re.findall(r"[<{](?:[^:>}]+:)?(\w+)[>}]", path)
    unknown = set(names) - set(values)
    assert not unknown, f"{path}: add a value for the path parameters {unknown} to seed()"
    return {name: values[name] for name in names}


def fingerprint(app, project_id: int) -> dict[str, str]:
    """Every table's rows of one project, hashed: equal fingerprints mean nothing of the project changed."""
    with app.app_context():
        out = {}
        for table in Base.metadata.sorted_tables:
            column = table.c.id if table.name == "projects" else table.c.get("project_id")
            if column is None:
                continue
            rows = [
                tuple(row)
                for row in db.session.execute(
                    select(table).where(column == project_id).order_by(*table.primary_key.columns)
                )
            ]
            out[table.name] = f"{len(rows)} rows, sha256 {hashlib.sha256(repr(rows).encode()).hexdigest()[:16]}"
        return out


def api_rules(app):
    """(rule, method) of every /api/v1 endpoint that needs a secret key."""
    public = {"docs.openapi_json", "docs.docs_page"}
    return [
        (rule, method)
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
        if rule.rule.startswith("/api/v1/") and rule.endpoint not in public
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]


@pytest.fixture
def victim(app, client, batches, project):
    """This project, seeded; the other project's key is the one that calls."""
    return seed(app, client, batches, project)


def call(client, rule, method, seeded, secret_key):
    """Call one endpoint for this project's rows, with its required query arguments and `{}` as the body of writes."""
    values = path_values(rule.rule, seeded)
    url = re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)
    body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    return client.open(
        url,
        method=method,
        headers={"Authorization": f"Bearer {secret_key}"},
        query_string=required_query(client.application, rule, method),
        **body,
    )


def required_query(app, rule, method) -> dict:
    """Values for the query arguments the OpenAPI document says an endpoint requires."""
    path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)
    operation = cached_spec(app)["paths"][path][method.lower()]
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query" and p.get("required")]
    assert set(names) <= set(QUERY), f"{method} {rule.rule}: add a value for {set(names) - set(QUERY)} to QUERY"
    return {name: QUERY[name] for name in names}


def test_every_endpoint_with_another_projects_key_reads_and_changes_nothing(
    app, client, project, other_project, victim
):
    before = fingerprint(app, project.id)
    leaks = []
    for rule, method in api_rules(app):
        answer = call(client, rule, method, victim, other_project.secret_key)
        label = f"{method} {rule.rule}"
        if rule.arguments:
            # The path names this project's row: the other key must not find it.
            if answer.status_code not in (403, 404):
                leaks.append(f"{label}: {answer.status_code} {answer.get_data(as_text=True)[:200]}")
        elif MARK.encode() in answer.get_data() or answer.status_code >= 500:
            leaks.append(f"{label}: {answer.status_code} shows this project's data: {answer.get_data()[:200]}")
    assert leaks == []
    assert fingerprint(app, project.id) == before


def test_the_seeded_project_is_visible_to_its_own_key(app, client, project, victim):
    """The check above means something: with the project's own key, the same requests do find its rows."""
    found = [
        f"{method} {rule.rule}"
        for rule, method in api_rules(app)
        if method == "GET"
        and rule.arguments
        and call(client, rule, method, victim, project.secret_key).status_code == 200
    ]
    assert len(found) == len([1 for rule, method in api_rules(app) if method == "GET" and rule.arguments])
