"""Dashboard overview, gap report and people pages: who may see and change what, escaping, and what they show."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from gapwise.core.gaps import report as gap_engine
from gapwise.dashboard.overview import people as ui_people
from gapwise.db import db
from gapwise.demo import plan as demo_data
from gapwise.demo import seed as demo
from gapwise.models import Gap, Person
from tests.helpers import AdminApi, utc
from tests.story import Story
from tests.test_surveys_api import NPS
from tests.ui import Browser, make_user

T0 = utc(2026, 10, 5, 9)
PAYLOAD = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
# The demo, seeded at a fixed time (yesterday, 13:00 UTC) so that its windows never move under the test.
NOW = datetime.now(UTC).replace(hour=13, minute=0, second=0, microsecond=0) - timedelta(days=1)


def signed_in(app, email: str, project_id: int, role: str) -> Browser:
    """A fresh client signed in as a new user with `role` in the project."""
    make_user(app, email, project_id, role)
    browser = Browser(app.test_client())
    assert browser.login(email).status_code == 302
    return browser


@pytest.fixture
def shop(app, client, batches, project):
    """Four people (u0 from ads, with HTML in a trait and an answer), a segment named with HTML, one tracked gap."""
    AdminApi(client, project.secret_key, "features").post(
        json={"key": "export", "name": "Export", "event": "Report Exported", "core": True, "aha": True}
    )
    surveys = AdminApi(client, project.secret_key, "surveys")
    survey_id = surveys.post(json={**NPS, "name": f"NPS {PAYLOAD}"}).get_json()["id"]
    answer = AdminApi(client, project.secret_key, "segments").post(
        json={
            "key": "ads",
            "name": f"From ads {PAYLOAD}",
            "rules": {"match": "all", "conditions": [{"field": "trait", "key": "source", "op": "eq", "value": "ads"}]},
        }
    )
    assert answer.status_code == 201, answer.get_json()
    s = Story(batches, T0)
    for i in range(4):
        s.person(f"u{i}", i, traits={"source": "ads" if i == 0 else "search", "motto": PAYLOAD}, account=f"acct-{i}")
        s.page(f"u{i}", i + 1)
    s.track("u0", "Report Exported", 2)
    s.answer("u0", survey_id, {"score": 3, "detractor": PAYLOAD}, 3)
    s.send()
    anonymous = {
        "type": "page",
        "messageId": "anon-page",
        "anonymousId": "browser-9",
        "timestamp": s.at(3).isoformat(),
        "properties": {"path": "/pricing"},
    }
    assert batches.post([anonymous], sent_at=None).status_code == 200
    with app.app_context():
        people = {p.user_id: p.id for p in db.session.scalars(select(Person).where(Person.project_id == project.id))}
        gap = Gap(project_id=project.id, key="delivery:share:all", type="delivery", subject="share", cohort="all")
        db.session.add(gap)
        db.session.commit()
        return {"people": people, "gap": gap.id, "project": project.id}


def pages(shop) -> list[str]:
    base = f"/app/p/{shop['project']}"
    return [f"{base}/", f"{base}/gaps", f"{base}/people", f"{base}/people/{shop['people']['u0']}"]


def remediation_of(app, gap_id: int) -> tuple:
    with app.app_context():
        gap = db.session.get(Gap, gap_id)
        return gap.status, gap.owner, gap.note, gap.due_date


def test_every_page_is_for_signed_in_members_only(app, shop, other_project):
    anonymous = app.test_client()
    for path in pages(shop):
        answer = anonymous.get(path)
        assert answer.status_code == 302 and "/app/login" in answer.headers["Location"], path
    stranger = signed_in(app, "stranger@example.com", other_project.id, "owner")
    for path in pages(shop):
        assert stranger.client.get(path).status_code == 404, path
    for path in pages(shop)[:3]:  # their own project, still empty: every page says so rather than failing
        assert stranger.client.get(path.replace(f"/p/{shop['project']}/", f"/p/{other_project.id}/")).status_code == 200
    viewer = signed_in(app, "viewer@example.com", shop["project"], "viewer")
    for path in pages(shop):
        answer = viewer.client.get(path)
        assert answer.status_code == 200 and "text/html" in answer.content_type, path
    nobody = f"/app/p/{shop['project']}/people/{max(shop['people'].values()) + 100}"
    assert viewer.client.get(nobody).status_code == 404


def test_a_viewer_cannot_change_a_remediation_and_an_editor_can(app, shop, other_project):
    gaps_page = f"/app/p/{shop['project']}/gaps"
    action = f"{gaps_page}/{shop['gap']}/remediation"
    form = {"status": "in_progress", "owner": "Maya", "note": "Move alerts into onboarding", "dueDate": "2026-12-15"}
    before = remediation_of(app, shop["gap"])
    anonymous = Browser(app.test_client())
    answer = anonymous.submit("/app/login", action, form)
    assert answer.status_code == 302 and "/app/login" in answer.headers["Location"]
    viewer = signed_in(app, "viewer@example.com", shop["project"], "viewer")
    assert "Edit remediation" not in viewer.client.get(gaps_page).get_data(as_text=True)
    assert viewer.submit(gaps_page, action, form).status_code == 403
    stranger = signed_in(app, "stranger@example.com", other_project.id, "owner")
    assert stranger.submit(f"/app/p/{other_project.id}/gaps", action, form).status_code == 404
    assert remediation_of(app, shop["gap"]) == before
    editor = signed_in(app, "editor@example.com", shop["project"], "editor")
    assert editor.client.post(action, data=form).status_code == 400  # no CSRF token
    assert remediation_of(app, shop["gap"]) == before
    saved = editor.submit(gaps_page, action, form)
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/gaps#gap-{shop['gap']}")
    assert remediation_of(app, shop["gap"]) == (
        "in_progress",
        "Maya",
        "Move alerts into onboarding",
        date(2026, 12, 15),
    )
    other_gap = f"/app/p/{shop['project']}/gaps/{shop['gap'] + 1000}/remediation"
    assert editor.submit(gaps_page, other_gap, form).status_code == 404


def test_html_in_traits_answers_and_segment_names_is_shown_as_text(app, shop):
    viewer = signed_in(app, "viewer@example.com", shop["project"], "viewer")
    listing = viewer.client.get(f"/app/p/{shop['project']}/people").get_data(as_text=True)
    assert f"From ads {ESCAPED}" in listing and PAYLOAD not in listing
    timeline = viewer.client.get(f"/app/p/{shop['project']}/people/{shop['people']['u0']}").get_data(as_text=True)
    assert f"motto</th><td>{ESCAPED}" in timeline  # the trait
    assert f"detractor: {ESCAPED}" in timeline and f"Answered NPS {ESCAPED}" in timeline  # the answer, the survey
    assert PAYLOAD not in timeline


def listed(page: str) -> list[str]:
    return re.findall(r'/people/\d+">([^<]+)</a>', page)


def test_people_are_found_by_id_filtered_by_stage_and_segment_and_paged(app, shop, monkeypatch):
    viewer = signed_in(app, "viewer@example.com", shop["project"], "viewer")

    def people(**args):
        answer = viewer.client.get(f"/app/p/{shop['project']}/people", query_string=args)
        return answer.status_code, answer.get_data(as_text=True)

    everyone = people(sort="user")[1]
    assert listed(everyone) == ["u0", "u1", "u2", "u3", "Anonymous browser-9"]
    assert "<strong>5</strong> people match" in everyone
    by_first_seen = listed(people(sort="first_seen")[1])
    assert sorted(by_first_seen) == sorted(listed(everyone)) and by_first_seen != listed(people(sort="newest")[1])
    assert listed(people(q="u2")[1]) == ["u2"]
    assert listed(people(q="u", sort="user")[1]) == ["u0", "u1", "u2", "u3"]  # a prefix
    assert listed(people(q="browser-9")[1]) == ["Anonymous browser-9"]
    assert listed(people(q="brow")[1]) == ["Anonymous browser-9"]  # an anonymous id's start
    assert listed(people(q="%")[1]) == []  # wildcards are text
    assert listed(people(segment="ads")[1]) == ["u0"]
    assert listed(people(stage="aha")[1]) == ["u0"]  # the one who exported
    assert "No one matches “nobody”" in people(q="nobody")[1]
    status, page = people(segment="no-such-segment")
    assert status == 404 and "No segment" in page and 'id="q"' in page
    status, page = people(stage="bored")
    assert status == 422 and "Stage: Must be one of" in page
    monkeypatch.setattr(ui_people, "PAGE", 2)
    first = people(sort="user")[1]
    assert listed(first) == ["u0", "u1"] and "page 1 of 3" in first
    following = re.search(r'href="([^"]+)">Next page', first).group(1).replace("&amp;", "&")
    assert listed(viewer.client.get(following).get_data(as_text=True)) == ["u2", "u3"]


def test_a_persons_timeline_merges_events_surveys_and_stage_changes_newest_first(app, shop, monkeypatch):
    viewer = signed_in(app, "viewer@example.com", shop["project"], "viewer")
    path = f"/app/p/{shop['project']}/people/{shop['people']['u0']}"
    page = viewer.client.get(path).get_data(as_text=True)
    account = rf'<dt>Account</dt><dd><a href="/app/p/{shop["project"]}/accounts/\d+">acct-0</a>'
    assert re.search(account, page), account
    for fact in (
        "<strong>trial</strong>:",
        "<strong>aha</strong>:",
        "reached <time",
        "<strong>activation</strong>:\n        not reached",
    ):
        assert fact in page, fact
    titles = re.findall(r'<span class="title">([^<]+)</span>', page)
    assert titles[:5] == [
        f"Answered NPS {ESCAPED}",
        f"Survey shown: NPS {ESCAPED}",
        "Reached stage aha",
        "Event Report Exported",
        "Viewed /",
    ]
    assert titles[-3:] == ["Joined an account", "First seen: stage trial", "Identified"]
    times = re.findall(r'<li class="kind-[^"]+">\s*<time datetime="([^"]+)"', page)
    assert times == sorted(times, reverse=True)
    monkeypatch.setattr(ui_people, "SHOWN", 3)
    capped = viewer.client.get(path).get_data(as_text=True)
    assert len(re.findall(r'<span class="title">', capped)) == 3 and "Show more (up to 12)" in capped
    assert len(re.findall(r'<span class="title">', viewer.client.get(f"{path}?show=12").get_data(as_text=True))) == len(
        titles
    )


@pytest.fixture
def demo_project(app, monkeypatch) -> int:
    """The demo project with 120 simulated people over 45 days, ending at NOW, its gaps evaluated then."""
    monkeypatch.setattr(demo, "utcnow", lambda: NOW)
    with app.app_context():
        project_id = demo.seed(db.session, people=120, days=45).project_id
        gap_engine.evaluate(db.session, project_id, NOW)
        return project_id


def gap_blocks(page: str) -> list[str]:
    return page.split('<li class="gap" id="gap-')[1:]


def test_the_gap_report_lists_the_demos_planted_gaps_by_priority_with_their_evidence(app, demo_project):
    editor = signed_in(app, "pm@example.com", demo_project, "editor")
    answer = editor.client.get(f"/app/p/{demo_project}/gaps", query_string={"at": NOW.date().isoformat()})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'id="chart-matrix-data"' in page
    shown, links = [], []
    for block in gap_blocks(page):
        if 'class="trend trend-closed"' in block:  # closed since the window before: no figures to read
            continue
        kind, subject, cohort = re.search(
            r'<span class="tag">(\w+)</span> <strong>([^<]+)</strong> · ([^<]+)</p>', block
        ).groups()
        priority = float(re.search(r"<dt>Priority</dt><dd>([\d,.]+)</dd>", block).group(1).replace(",", ""))
        assert "<h4>Evidence</h4>" in block and "threshold" in block, (kind, subject)
        assert "Edit remediation" in block and "Everyone in this cohort" in block
        touched = re.search(r'href="([^"]+\?gap=\d+)">The ([\d,]+) (?:person|people) it touches</a>', block)
        people = int(re.search(r"<dt>People</dt><dd>([\d,]+)</dd>", block).group(1).replace(",", ""))
        assert touched and int(touched.group(2).replace(",", "")) == people
        links.append((touched.group(1).replace("&amp;", "&"), people))
        shown.append((kind, subject, cohort.strip(), priority))
    assert [p for *_, p in shown] == sorted((p for *_, p in shown), reverse=True)
    found = {(kind, subject) for kind, subject, *_ in shown}
    # Subjects read as words: "goal automation", never the key "goal:automation".
    assert {(kind, subject.replace(":", " ")) for kind, subject, _ in demo_data.PLANTED_GAPS} <= found
    assert not [subject for _, subject, *_ in shown if ":" in subject]
    assert ("stall", "trial", "Segment “Trials from ads”") in {s[:3] for s in shown}
    assert "we promised it; they never found it" in page and "they find it; it doesn&#39;t deliver" in page
    assert f'href="/app/p/{demo_project}/people?stage=trial&amp;segment=ads-trials"' in page
    assert f'href="/app/p/{demo_project}/features#feature-alerts">Feature alerts</a>' in page
    for href, people in links:  # each gap links to exactly the people it counts (50 to a page)
        listed = editor.client.get(href).get_data(as_text=True)
        assert "touches</strong>" not in listed and "as its latest evaluation counted them" in listed
        assert len(re.findall(r'<tr><th scope="row"><a href=', listed)) == min(people, 50), href
    assert re.search(r"(new this window|widening|steady|closing)</strong>", page, re.I)
    assert '<p class="measured">Measured ' in page
    earlier = editor.client.get(f"/app/p/{demo_project}/gaps", query_string={"at": "2020-01-01"})
    assert earlier.status_code == 200 and "has not been evaluated yet" in earlier.get_data(as_text=True)
    assert not gap_blocks(earlier.get_data(as_text=True))
    unreadable = editor.client.get(f"/app/p/{demo_project}/gaps", query_string={"at": "someday"})
    assert unreadable.status_code == 422 and 'value="someday"' in unreadable.get_data(as_text=True)


def test_a_rejected_remediation_is_shown_beside_its_form_with_the_input_kept(app, demo_project):
    editor = signed_in(app, "editor@example.com", demo_project, "editor")
    gaps_page = f"/app/p/{demo_project}/gaps"
    gap_id = int(gap_blocks(editor.client.get(gaps_page).get_data(as_text=True))[0].split('"')[0])
    before = remediation_of(app, gap_id)
    answer = editor.submit(
        gaps_page,
        f"{gaps_page}/{gap_id}/remediation",
        {"status": "done", "owner": f"Maya {PAYLOAD}", "note": "", "dueDate": "next week"},
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "The remediation was not saved" in page and PAYLOAD not in page
    form = next(b for b in gap_blocks(page) if b.startswith(f'{gap_id}"'))
    assert "<details open>" in form and f'value="Maya {ESCAPED}"' in form and 'value="next week"' in form
    assert f'id="status-{gap_id}-error">Must be one of' in form
    assert f'id="dueDate-{gap_id}-error">Not a valid date.' in form
    assert remediation_of(app, gap_id) == before


def test_a_reopened_gap_says_so(app, demo_project):
    viewer = signed_in(app, "viewer@example.com", demo_project, "viewer")
    gaps_page = f"/app/p/{demo_project}/gaps"
    gap_id = int(gap_blocks(viewer.client.get(gaps_page).get_data(as_text=True))[0].split('"')[0])
    with app.app_context():  # as the gap engine leaves a resolved gap that the next window flags again
        gap = db.session.get(Gap, gap_id)
        gap.status, gap.resolved_at, gap.reopened_at = "open", NOW - timedelta(days=40), NOW - timedelta(days=2)
        db.session.commit()
    block = gap_blocks(viewer.client.get(gaps_page).get_data(as_text=True))[0]
    assert block.startswith(f'{gap_id}"') and "<strong>Reopened</strong>" in block and "flagged it again" in block


def test_the_overview_shows_the_funnel_scores_top_gaps_and_accounts_at_risk(app, demo_project):
    viewer = signed_in(app, "viewer@example.com", demo_project, "viewer")
    answer = viewer.client.get(f"/app/p/{demo_project}/")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    for block in ("chart-funnel-data", "chart-nps-data", "chart-rates-data"):
        assert f'<script type="application/json" id="{block}">' in page
    assert re.search(r'<th scope="row">trial</th><td>120</td>', page)
    assert re.search(r'<th scope="row">aha</th><td>\d+</td><td>\d+</td>\s*<td>\d+\.\d%</td>', page)
    assert "NPS" in page and "Response rate" in page and re.search(r"\d+ answered of \d+ shown", page)
    assert len(re.findall(r'<ol class="top-gaps">', page)) == 1 and "we promised it; they never found it" in page
    assert re.search(r"\d+ of \d+ accounts are at risk", page)
    assert "<script>" not in page.replace("<script src=", "").replace('<script type="application/json"', "")
    assert viewer.client.get(f"/app/p/{demo_project}/?weeks=4").status_code == 200


def test_a_new_project_reads_not_enough_data_yet_not_no_gaps(app, project, batches):
    story = Story(batches, NOW - timedelta(days=10))
    for i in range(3):
        story.person(f"early{i}", 1)
        story.see(f"early{i}", "share", 2)
    story.send()
    with app.app_context():
        gap_engine.evaluate(db.session, project.id, NOW)
    viewer = signed_in(app, "pm@example.com", project.id, "viewer")
    page = viewer.client.get(f"/app/p/{project.id}/gaps").get_data(as_text=True)
    assert "Not enough data yet.</strong>" in page and "No gap is flagged in this window, and none" not in page
    assert re.search(r"Stall on <strong>trial</strong>: 3 of the 10 people who entered trial needed", page)


def test_people_are_found_by_the_start_of_their_email(app, batches, project):
    from tests.helpers import message

    sent = [
        message("identify", userId="42", anonymousId="a1", traits={"email": "Ada@Example.com"}),
        message("identify", userId="43", anonymousId="a2", traits={"email": "bob@example.com"}),
    ]
    assert batches.post(sent).get_json()["accepted"] == 2
    viewer = signed_in(app, "viewer@example.com", project.id, "viewer")
    page = viewer.client.get(f"/app/p/{project.id}/people", query_string={"q": "ada@exa"}).get_data(as_text=True)
    assert listed(page) == ["42"] and "<strong>1</strong> person matches" in page


def test_an_owner_exports_and_erases_a_person_after_a_confirmation(app, batches, project):
    from tests.helpers import message

    assert batches.post([message("identify", userId="ada", anonymousId="a1", traits={"plan": "pro"})]).get_json()
    with app.app_context():
        from gapwise.models import Person

        person_id = db.session.scalar(select(Person.id).where(Person.user_id == "ada"))
    page = f"/app/p/{project.id}/people/{person_id}"
    viewer = signed_in(app, "viewer@example.com", project.id, "viewer")
    assert "Export everything" not in viewer.client.get(page).get_data(as_text=True)
    assert viewer.client.get(f"{page}/export.json").status_code == 403
    owner = signed_in(app, "owner@example.com", project.id, "owner")
    exported = owner.client.get(f"{page}/export.json")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    assert exported.get_json()["person"]["userId"] == "ada"
    asked = owner.submit(page, f"{page}/erase", {})
    assert asked.status_code == 200 and "Erase this person for good?" in asked.get_data(as_text=True)
    assert owner.client.get(page).status_code == 200  # still there
    erased = owner.submit(page, f"{page}/erase", {"confirm": "yes"})
    assert erased.status_code == 302
    assert owner.client.get(page).status_code == 404
