"""Dashboard configuration pages: settings and secret keys, segments with their live count, features with their
usage, journey rules with the funnel. Every form saves what is right and shows again, with its reasons and the
user's input, what is not, saving nothing."""

import re
import uuid
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from gapwise.core.gaps.thresholds import gap_thresholds
from gapwise.core.journey.rules import journey_rules
from gapwise.db import db
from gapwise.models import Feature, Person, Project, SecretKey, Segment
from gapwise.models.base import utcnow
from tests.helpers import AdminApi, message
from tests.ui import Browser, make_user

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def as_role(app, client, project):
    """Sign the test client in as a member of `project` with the given role."""

    def sign_in(role: str) -> Browser:
        make_user(app, f"{role}@example.com", project.id, role)
        browser = Browser(client)
        assert browser.login(f"{role}@example.com").status_code == 302
        return browser

    return sign_in


@pytest.fixture
def owner(as_role):
    return as_role("owner")


@pytest.fixture
def editor(as_role):
    return as_role("editor")


def url(project, path: str) -> str:
    return f"/app/p/{project.id}/{path}"


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def text(response) -> str:
    return response.get_data(as_text=True)


def errors(response) -> list[str]:
    """The error messages a page shows, as read on screen."""
    return [
        unescape(re.sub(r"<[^>]+>", "", m)).strip()
        for m in re.findall(r'<p class="error[^"]*">(.*?)</p>', text(response), re.S)
    ]


def people(batches, *traits: dict) -> None:
    """One identified person per traits mapping, through /v1/batch."""
    sent = [message("identify", userId=f"u{i}", anonymousId=f"a{i}", traits=t) for i, t in enumerate(traits)]
    assert batches.post(sent).get_json()["accepted"] == len(sent)


# --- settings -----------------------------------------------------------------------------------------


def test_every_member_sees_the_snippet_and_keys_but_only_an_owner_gets_the_forms(project, as_role):
    viewer = as_role("viewer")
    page = text(viewer.client.get(url(project, "settings")))
    assert project.write_key in page and "gapwise.init(&#34;" + project.write_key in page
    assert "&lt;script&gt;" in page and "<script>gapwise" not in page  # the snippet is text in a textarea
    assert 'name="allowedOrigins"' not in page and 'name="csrf_token" value' in page  # sign-out only
    assert "sk_" in page and "active" in page and "You can look, not change" in page


def test_an_owner_sets_origins_cooldown_and_timezone_and_ingest_applies_the_origins_at_once(
    app, project, owner, batches
):
    saved = owner.submit(
        url(project, "settings"),
        url(project, "settings"),
        {
            "allowedOrigins": "https://App.Example.com/\n\n  http://localhost:3000 ",
            "surveyCooldownHours": "6",
            "timezone": "Europe/Paris",
        },
    )
    assert saved.status_code == 303
    with app.app_context():
        stored = db.session.get(Project, project.id)
        assert stored.allowed_origins == ["https://app.example.com", "http://localhost:3000"]
        assert (stored.survey_cooldown_hours, stored.timezone) == (6, "Europe/Paris")
    assert "Project settings saved." in text(owner.client.get(saved.headers["Location"]))
    assert batches.post([message()], headers={"Origin": "https://evil.example"}).status_code == 403
    assert batches.post([message()], headers={"Origin": "https://app.example.com"}).status_code == 200


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("allowedOrigins", "https://app.example.com/reports", "no path"),
        ("allowedOrigins", "app.example.com", "starts with http:// or https://"),
        ("allowedOrigins", "https://user:pw@app.example.com", "no user name"),
        ("surveyCooldownHours", "-1", "greater than or equal to 0"),
        ("surveyCooldownHours", "soon", "Not a valid integer"),
        ("timezone", "Mars/Olympus_Mons", "Not an IANA time zone"),
    ],
)
def test_bad_project_settings_are_shown_again_with_their_reason_and_nothing_is_saved(
    app, project, owner, field, value, reason
):
    form = {
        "allowedOrigins": "https://ok.example.com",
        "surveyCooldownHours": "12",
        "timezone": "Asia/Tokyo",
        field: value,
    }
    answer = owner.submit(url(project, "settings"), url(project, "settings"), form)
    assert answer.status_code == 422
    assert any(reason in e for e in errors(answer)), errors(answer)
    assert value in unescape(text(answer))  # the input is kept
    with app.app_context():
        stored = db.session.get(Project, project.id)
        assert (stored.allowed_origins, stored.survey_cooldown_hours, stored.timezone) == ([], 24, "UTC")


def test_gap_thresholds_are_saved_or_refused_whole(app, project, owner):
    page = url(project, "settings")
    refused = owner.submit(page, url(project, "settings/thresholds"), {"exposure": "1.5", "stallDays.trial": "3"})
    assert refused.status_code == 422 and any("less than or equal to 1" in e for e in errors(refused))
    with app.app_context():
        assert gap_thresholds(db.session, project.id)["stallDays"]["trial"] == 7
    saved = owner.submit(
        page, url(project, "settings/thresholds"), {"exposure": "0.4", "stallDays.trial": "3", "minPeople": ""}
    )
    assert saved.status_code == 303
    with app.app_context():
        stored = gap_thresholds(db.session, project.id)
    assert (stored["exposure"], stored["stallDays"]["trial"], stored["minPeople"]) == (0.4, 3, 10)


def test_a_secret_key_is_shown_once_works_and_is_revoked(app, client, project, owner):
    created = owner.submit(url(project, "settings"), url(project, "settings/keys"), {"name": "nightly <export>"})
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    secret = re.search(r'value="(sk_[^"]+)"', text(created)).group(1)
    assert "nightly &lt;export&gt;" in text(created) and "will not be shown again" in text(created)
    api = AdminApi(client, secret, "keys")
    assert api.get().status_code == 200
    again = text(owner.client.get(url(project, "settings")))
    assert secret not in again and secret[:10] in again
    with app.app_context():
        key_id = db.session.scalar(select(SecretKey.id).where(SecretKey.name == "nightly <export>"))
    revoked = owner.submit(url(project, "settings"), url(project, f"settings/keys/{key_id}/revoke"), {})
    assert revoked.status_code == 303 and api.get().status_code == 401
    assert "revoked" in text(owner.client.get(url(project, "settings")))


def test_a_key_needs_a_name_and_another_projects_key_cannot_be_revoked(app, project, other_project, owner):
    refused = owner.submit(url(project, "settings"), url(project, "settings/keys"), {"name": "   "})
    assert refused.status_code == 422 and 'id="new-key"' not in text(refused)
    assert any("Give a name that is not blank." in e for e in errors(refused)), errors(refused)
    assert count(app, SecretKey, SecretKey.project_id == project.id) == 1
    with app.app_context():
        theirs = db.session.scalar(select(SecretKey.id).where(SecretKey.project_id == other_project.id))
    assert owner.submit(url(project, "settings"), url(project, f"settings/keys/{theirs}/revoke"), {}).status_code == 404
    assert count(app, SecretKey, SecretKey.revoked_at.is_not(None)) == 0


def test_an_editor_cannot_change_settings_or_keys(app, project, editor):
    page = url(project, "settings")
    for action, form in [
        ("settings", {"surveyCooldownHours": "1", "timezone": "UTC"}),
        ("settings/keys", {"name": "x"}),
        ("settings/thresholds", {"exposure": "0.1"}),
    ]:
        assert editor.submit(page, url(project, action), form).status_code == 403
    assert count(app, SecretKey) == 1 and 'name="allowedOrigins"' not in text(editor.client.get(page))


# --- segments ------------------------------------------------------------------------------------------

PRO = '{"match": "all", "conditions": [{"field": "trait", "key": "plan", "op": "eq", "value": "pro"}]}'


def create_segment(project, editor, key: str, name: str, rules: str = PRO):
    new = url(project, "segments/new")
    assert editor.submit(new, new, {"key": key, "name": name, "rules": rules}).status_code == 303


def test_a_segment_is_created_with_its_count_and_listed(app, project, editor, batches):
    people(batches, {"plan": "pro"}, {"plan": "pro"}, {"plan": "free"})
    saved = editor.submit(
        url(project, "segments/new"), url(project, "segments/new"), {"key": "pro", "name": "Pro plans", "rules": PRO}
    )
    assert saved.status_code == 303
    listing = text(editor.client.get(saved.headers["Location"]))
    assert "Segment &#39;Pro plans&#39; saved: 2 people match now." in listing
    assert re.search(r'<td class="num">2</td>', listing)


@pytest.mark.parametrize(
    "form, status, reason",
    [
        ({"key": "Bad Key"}, 422, "lowercase letters"),
        ({"name": ""}, 422, "Length must be between 1 and 200"),
        ({"rules": '{"match": "all", "conditions": ['}, 422, "Not valid JSON"),
        ({"rules": '{"match": "some", "conditions": []}'}, 422, "Must be one of: all, any"),
        (
            {"rules": '{"conditions": [{"field": "days_since_first_seen", "op": "gt", "value": "ten"}]}'},
            422,
            "Rule 1 › value: Give a whole number",
        ),
        (
            {
                "rules": '{"conditions": [{"match": "any", "conditions": '
                '[{"field": "stage", "op": "eq", "value": "vip"}]}]}'
            },
            422,
            "Rule 1.1 › value: Stages are",
        ),
        (
            {
                "rules": '{"conditions": [{"field": "feature_count", "feature": "nope", "op": "gte", "value": 1, '
                '"within_days": 7}]}'
            },
            422,
            "No feature with key 'nope'",
        ),
        ({"key": "taken"}, 409, "already exists"),
    ],
)
def test_a_bad_segment_is_shown_again_with_its_reason_and_not_saved(app, project, editor, form, status, reason):
    create_segment(project, editor, "taken", "Taken")
    answer = editor.submit(
        url(project, "segments/new"),
        url(project, "segments/new"),
        {"key": "new-one", "name": "Kept name", "rules": PRO, **form},
    )
    assert answer.status_code == status
    assert any(reason in e for e in errors(answer)), errors(answer)
    assert 'value="Kept name"' in text(answer) or form.get("name") == ""
    assert count(app, Segment) == 1


def test_a_segment_is_edited_and_a_bad_edit_changes_nothing(app, project, editor):
    create_segment(project, editor, "pro", "Pro")
    edit = url(project, "segments/pro/edit")
    assert "people match these rules now" in text(editor.client.get(edit))  # the count, without JavaScript
    refused = editor.submit(edit, edit, {"name": "Changed", "rules": '{"conditions": [{"field": "trait"}]}'})
    assert refused.status_code == 422 and 'value="Changed"' in text(refused)
    with app.app_context():
        assert db.session.scalar(select(Segment.name)) == "Pro"
    rules = '{"match": "any", "conditions": [{"field": "stage", "op": "in", "value": ["aha", "trial"]}]}'
    assert editor.submit(edit, edit, {"name": "Early", "rules": rules}).status_code == 303
    with app.app_context():
        segment = db.session.scalar(select(Segment))
        assert (segment.name, segment.rules["match"]) == ("Early", "any")


def test_a_segment_a_survey_targets_cannot_be_deleted(app, client, project, editor):
    create_segment(project, editor, "pro", "Pro")
    create_segment(project, editor, "spare", "Spare")
    survey = {
        "name": "Pro NPS",
        "kind": "nps",
        "targeting": {"segment": "pro"},
        "questions": [{"id": "score", "type": "nps", "text": "How likely are you to recommend us?"}],
    }
    assert AdminApi(client, project.secret_key, "surveys").post(json=survey).status_code == 201
    refused = editor.submit(url(project, "segments"), url(project, "segments/pro/delete"), {"confirm": "yes"})
    assert refused.status_code == 409
    assert any("Surveys target segment 'pro': Pro NPS. Retarget them first." in e for e in errors(refused))
    asked = editor.submit(url(project, "segments"), url(project, "segments/spare/delete"), {})
    assert asked.status_code == 200 and "Delete the segment “Spare”?" in asked.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Segment.key).order_by(Segment.key)).all() == ["pro", "spare"]  # asked only
    confirmed = {"confirm": "yes"}
    assert editor.submit(url(project, "segments"), url(project, "segments/spare/delete"), confirmed).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Segment.key)).all() == ["pro"]


def test_the_count_endpoint_counts_the_rules_being_edited(app, client, project, as_role, batches):
    people(batches, {"plan": "pro", "seats": 5}, {"plan": "pro", "seats": 50}, {"plan": "free"})
    viewer = as_role("viewer")  # counting only reads: viewers may count
    token = viewer.token(url(project, "segments/new"))
    post = lambda body, **kw: client.post(url(project, "segments/count"), json=body, **kw)  # noqa: E731
    headers = {"X-CSRFToken": token}
    pro = {"field": "trait", "key": "plan", "op": "eq", "value": "pro"}
    assert post({"rules": {"match": "all", "conditions": [pro]}}, headers=headers).get_json() == {"count": 2}
    big = {"field": "trait", "key": "seats", "op": "gte", "value": 10}
    assert post({"rules": {"match": "all", "conditions": [pro, big]}}, headers=headers).get_json() == {"count": 1}
    assert post({"rules": {"match": "any", "conditions": []}}, headers=headers).get_json() == {"count": 3}
    not_a_number = {"field": "trait", "key": "plan", "op": "gt", "value": "x"}
    bad = post({"rules": {"conditions": [not_a_number]}}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["errors"] == {"rules.conditions.0.value": ["Give a number."]}
    assert post({"nothing": 1}, headers=headers).status_code == 400
    assert client.post(url(project, "segments/count"), data="rules", headers=headers).status_code == 400
    assert post({"rules": {"conditions": []}}).status_code == 400  # no CSRF token
    assert count(app, Segment) == 0


def test_segment_names_are_shown_as_text(project, editor):
    create_segment(project, editor, "x", XSS)
    for page in ("segments", "segments/x/edit"):
        shown = text(editor.client.get(url(project, page)))
        assert XSS not in shown and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in shown


# --- features ------------------------------------------------------------------------------------------


def test_a_feature_is_created_and_listed_with_its_last_30_days_of_use(app, project, editor, batches):
    saved = editor.submit(
        url(project, "features/new"),
        url(project, "features/new"),
        {
            "key": "export",
            "name": "Export",
            "selector": "#export",
            "event": "",
            "core": "1",
            "goals": "reporting, sharing",
            "effort": "2",
        },
    )
    assert saved.status_code == 303
    with app.app_context():
        feature = db.session.scalar(select(Feature))
        assert (feature.selector, feature.event, feature.core, feature.aha, feature.goals, feature.effort) == (
            "#export",
            None,
            True,
            False,
            ["reporting", "sharing"],
            2,
        )
    now = utcnow()

    def act(user, event, days_ago):
        return message(
            event=event,
            userId=user,
            anonymousId=f"anon-{user}",
            properties={"feature": "export"},
            timestamp=(now - timedelta(days=days_ago)).isoformat(),
            messageId=str(uuid.uuid4()),
        )

    sent = [
        act("ann", "feature_seen", 1),
        act("bob", "feature_used", 1),
        act("bob", "feature_used", 3),
        act("cy", "feature_used", 2),
        act("old", "feature_used", 45),
    ]
    assert batches.post(sent, sent_at=None).get_json()["accepted"] == 5
    listing = text(editor.client.get(url(project, "features")))
    assert re.search(r'<td class="num">3</td><td class="num">2</td><td class="num">1</td>', listing), listing
    assert "reporting, sharing" in listing and '<span class="tag">core</span>' in listing


@pytest.mark.parametrize(
    "form, reason",
    [
        ({"selector": "", "event": ""}, "Give a selector, an event, or both."),
        ({"key": "Export!"}, "lowercase letters"),
        ({"effort": "9"}, "less than or equal to 5"),
        ({"selector": "a { color: red }"}, "Not a CSS selector."),
        ({"name": ""}, "Length must be between 1 and 200"),
    ],
)
def test_a_bad_feature_is_shown_again_with_its_reason_and_not_saved(app, project, editor, form, reason):
    answer = editor.submit(
        url(project, "features/new"),
        url(project, "features/new"),
        {"key": "export", "name": "Export", "selector": "#export", "effort": "3", "goals": "kept-goal", **form},
    )
    assert answer.status_code == 422 and any(reason in e for e in errors(answer)), errors(answer)
    assert 'value="kept-goal"' in text(answer)
    assert count(app, Feature) == 0


def test_a_feature_is_edited_deleted_and_kept_while_a_survey_is_triggered_by_it(app, client, project, editor):
    new = url(project, "features/new")
    editor.submit(new, new, {"key": "export", "name": "Export", "event": "Report Exported", "effort": "3"})
    edit = url(project, "features/export/edit")
    assert editor.submit(edit, edit, {"name": "Export", "selector": "", "event": ""}).status_code == 422
    assert (
        editor.submit(
            edit, edit, {"name": "Exports", "event": "Report Exported", "aha": "1", "effort": "4"}
        ).status_code
        == 303
    )
    with app.app_context():
        feature = db.session.scalar(select(Feature))
        assert (feature.name, feature.aha, feature.core, feature.effort) == ("Exports", True, False, 4)
    survey = {
        "name": "Export CSAT",
        "kind": "csat",
        "targeting": {"trigger": {"type": "feature", "feature": "export"}},
        "questions": [{"id": "csat", "type": "rating", "scale": 5, "text": "Happy with exports?"}],
    }
    survey_id = AdminApi(client, project.secret_key, "surveys").post(json=survey).get_json()["id"]
    refused = editor.submit(url(project, "features"), url(project, "features/export/delete"), {})
    assert refused.status_code == 409 and any("Export CSAT" in e for e in errors(refused))
    AdminApi(client, project.secret_key, "surveys").delete(f"/{survey_id}")
    assert editor.submit(url(project, "features"), url(project, "features/export/delete"), {}).status_code == 303
    assert count(app, Feature) == 0
    assert editor.client.get(edit).status_code == 404
    for impossible in ("a%00b", "Export", "x" * 65):
        assert editor.client.get(url(project, f"features/{impossible}/edit")).status_code == 404
        assert editor.client.get(url(project, f"segments/{impossible}/edit")).status_code == 404


def test_feature_names_and_selectors_are_shown_as_text(project, editor):
    editor.submit(
        url(project, "features/new"),
        url(project, "features/new"),
        {"key": "x", "name": XSS, "selector": 'a[title="x"] > b', "effort": "3"},
    )
    for page in ("features", "features/x/edit"):
        shown = text(editor.client.get(url(project, page)))
        assert XSS not in shown and "&lt;img src=x onerror=alert(1)&gt;" in shown
        assert "a[title=&#34;x&#34;] &gt; b" in shown


# --- journey -------------------------------------------------------------------------------------------


def test_journey_rules_are_saved_and_restage_people_and_the_funnel_is_drawn(app, project, editor, batches):
    people(batches, {"plan": "pro"}, {"plan": "free"})
    sent = [message(event="Report Exported", userId="u0", anonymousId="a0")]
    assert batches.post(sent).get_json()["accepted"] == 1
    page = url(project, "journey")
    before = text(editor.client.get(page))
    assert 'data-chart="funnel-chart"' in before and '<script type="application/json" id="funnel-chart">' in before
    assert re.search(r'<th scope="row">Aha</th><td class="num">0</td>', before)
    saved = editor.submit(
        page,
        page,
        {
            "ahaEvents": "Report Exported\n\nInvite Sent",
            "activation.coreFeatures": "2",
            "activation.withinDays": "",
            "adoption.weeks": "4",
        },
    )
    assert saved.status_code == 303
    with app.app_context():
        rules = journey_rules(db.session, project.id)
        assert rules["ahaEvents"] == ["Report Exported", "Invite Sent"]
        assert rules["activation"] == {"coreFeatures": 2, "withinDays": 14} and rules["adoption"]["weeks"] == 4
        assert db.session.scalar(select(Person.stage).where(Person.user_id == "u0")) == "aha"
    after = text(editor.client.get(page))
    assert re.search(r'<th scope="row">Aha</th><td class="num">1</td>', after)
    assert "Journey rules saved" in after


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("activation.coreFeatures", "0", "greater than or equal to 1"),
        ("activation.withinDays", "many", "Not a valid integer"),
        ("adoption.weeks", "5", "less than or equal to 4"),
        ("ahaEvents", "x" * 201, "Length must be between 1 and 200"),
    ],
)
def test_bad_journey_rules_are_shown_again_and_nothing_changes(app, project, editor, field, value, reason):
    page = url(project, "journey")
    form = {
        "ahaEvents": "Signed Up",
        "activation.coreFeatures": "3",
        "activation.withinDays": "14",
        "adoption.weeks": "3",
        field: value,
    }
    answer = editor.submit(page, page, form)
    assert answer.status_code == 422 and any(reason in e for e in errors(answer)), errors(answer)
    assert value in text(answer)
    with app.app_context():
        assert db.session.get(Project, project.id).journey_rules == {}
