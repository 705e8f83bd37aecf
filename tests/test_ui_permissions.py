"""Every dashboard route of a project, enumerated from the app's URL map (so new pages are covered as they come):
anonymous visitors are sent to sign in, members of another project get 404, viewers read every page and change
nothing, and a form posted without its CSRF token is refused."""

import re

import pytest
from sqlalchemy import select

from gapwise.db import db
from gapwise.models import Account, Base, Gap, Person, SecretKey
from tests.helpers import AdminApi, message
from tests.ui import Browser, make_user

PREFIX = "/app/p/<int:project_id>"
# POSTs that only read, so a viewer may make them (they still need the CSRF token, and still change nothing).
READ_ONLY_POSTS = {"ui_config.segment_count"}
# Pages that are only an editing form, which their module keeps from viewers altogether (403, as for their POSTs).
# Pages a viewer may not read: the builder (editors), a person's full export (owners).
EDITOR_ONLY_PAGES = {"ui_surveys.new_survey", "ui_surveys.edit_survey", "ui_overview.person_export"}
SEEDED_KEY = "seeded"
NPS = {
    "name": "Seeded NPS",
    "kind": "nps",
    "status": "active",
    "questions": [{"id": "score", "type": "nps", "text": "How likely are you to recommend us?"}],
}


def project_rules(app) -> list:
    """Every rule under /app/p/<project_id>/, whoever's module it is in."""
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith(PREFIX)]
    assert len(rules) > 20, "the dashboard's routes are not registered"
    return sorted(rules, key=lambda r: (r.rule, r.endpoint))


def methods(rule) -> list[str]:
    return sorted(rule.methods & {"GET", "POST", "PUT", "PATCH", "DELETE"})


@pytest.fixture
def seeded(app, client, project):
    """A feature, a segment (same key), a survey targeting it, a person in an account, a gap, a Slack destination: so
    that routes with ids resolve."""
    feature = {"key": SEEDED_KEY, "name": "Seeded", "event": "Report Exported", "core": True}
    assert AdminApi(client, project.secret_key, "features").post(json=feature).status_code == 201
    segment = {
        "key": SEEDED_KEY,
        "name": "Seeded",
        "rules": {"match": "all", "conditions": [{"field": "trait", "key": "plan", "op": "eq", "value": "pro"}]},
    }
    assert AdminApi(client, project.secret_key, "segments").post(json=segment).status_code == 201
    survey = AdminApi(client, project.secret_key, "surveys").post(json={**NPS, "targeting": {"segment": SEEDED_KEY}})
    assert survey.status_code == 201
    slack = {"kind": "slack", "url": "https://93.184.215.14/services/T0/B0/seeded", "events": ["response.created"]}
    destination = AdminApi(client, project.secret_key, "webhooks").post(json=slack)
    assert destination.status_code == 201, destination.get_json()
    sent = [message("identify", userId="u1", traits={"plan": "pro"}), message(userId="u1"), message("group")]
    assert client.post("/v1/batch", json={"writeKey": project.write_key, "batch": sent}).get_json()["accepted"] == 3
    with app.app_context():
        person_id = db.session.scalar(select(Person.id).where(Person.project_id == project.id))
        gap = Gap(project_id=project.id, key="stall:trial:all", type="stall", subject="trial", cohort="all")
        db.session.add(gap)
        db.session.commit()
        key_id = db.session.scalar(select(SecretKey.id).where(SecretKey.project_id == project.id))
        account_id = db.session.scalar(select(Account.id).where(Account.project_id == project.id))
        return {
            "survey_id": survey.get_json()["id"],
            "person_id": person_id,
            "gap_id": gap.id,
            "key": SEEDED_KEY,
            "key_id": key_id,
            "account_id": account_id,
            "destination_id": destination.get_json()["id"],
        }


def path(rule, project_id: int, seeded: dict) -> tuple[str, bool]:
    """The rule's URL for the project, and whether every part of it names something that exists."""
    values, known = {"project_id": project_id}, True
    for name in rule.arguments - {"project_id"}:
        known &= name in seeded
        values[name] = seeded.get(name, 1 if re.search(rf"<int[^:>]*:{name}>", rule.rule) else "x")
    return rule.build(values, append_unknown=False)[1], known


def snapshot(app) -> dict:
    """Every row of every table, to show that a refused request changed nothing at all."""
    with app.app_context():
        rows = {t.name: sorted(map(repr, db.session.execute(select(t)).all())) for t in Base.metadata.sorted_tables}
        db.session.rollback()
        return rows


def signed_in(app, client, email: str, project_id: int, role: str) -> Browser:
    make_user(app, email, project_id, role)
    browser = Browser(client)
    assert browser.login(email).status_code == 302
    return browser


def test_anonymous_visitors_are_sent_to_sign_in(app, client, project, seeded):
    token = Browser(client).token()  # a visitor's session has a CSRF token before signing in
    before = snapshot(app)
    for rule in project_rules(app):
        url, _ = path(rule, project.id, seeded)
        for method in methods(rule):
            answer = client.open(url, method=method, data={"csrf_token": token})
            assert answer.status_code == 302, (method, url, answer.status_code)
            assert answer.headers["Location"].startswith("/app/login?next="), (method, url)
    assert snapshot(app) == before


def test_members_of_another_project_get_404_for_everything(app, client, project, other_project, seeded):
    stranger = signed_in(app, client, "stranger@example.com", other_project.id, "owner")
    token = stranger.token()
    before = snapshot(app)
    for rule in project_rules(app):
        url, _ = path(rule, project.id, seeded)
        for method in methods(rule):
            answer = client.open(url, method=method, data={"csrf_token": token})
            assert answer.status_code == 404, (method, url, answer.status_code)
            assert "text/html" in answer.content_type
    assert snapshot(app) == before


def test_a_viewer_reads_every_page_and_changes_nothing(app, client, project, seeded):
    viewer = signed_in(app, client, "viewer@example.com", project.id, "viewer")
    token = viewer.token()
    for rule in project_rules(app):
        url, known = path(rule, project.id, seeded)
        if "GET" in rule.methods:
            answer = client.get(url)
            expected = (403,) if rule.endpoint in EDITOR_ONLY_PAGES else (200,) if known else (200, 404)
            assert answer.status_code in expected, (url, answer.status_code)
        for method in set(methods(rule)) - {"GET"}:
            before = snapshot(app)
            if rule.endpoint in READ_ONLY_POSTS:
                answer = client.open(
                    url,
                    method=method,
                    json={"rules": {"match": "all", "conditions": []}},
                    headers={"X-CSRFToken": token},
                )
                assert answer.status_code == 200, (method, url, answer.status_code)
            else:
                answer = client.open(url, method=method, data={"csrf_token": token})
                assert answer.status_code == 403, (method, url, answer.status_code)
            assert snapshot(app) == before, (method, url)


def test_a_form_without_its_csrf_token_is_refused_even_for_an_owner(app, client, project, seeded):
    signed_in(app, client, "owner@example.com", project.id, "owner")
    before = snapshot(app)
    posts = [rule for rule in project_rules(app) if set(methods(rule)) - {"GET"}]
    assert posts
    for rule in posts:
        url, _ = path(rule, project.id, seeded)
        for method in set(methods(rule)) - {"GET"}:
            answer = client.open(url, method=method, data={"name": "x"})
            assert answer.status_code == 400 and re.search("CSRF", answer.get_data(as_text=True)), (method, url)
    assert snapshot(app) == before
