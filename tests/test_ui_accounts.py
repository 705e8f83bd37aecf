"""Dashboard accounts: the list with MRR, people, health and NPS, searched, sorted and paged; one account with its
gaps, people and answers; names linked from the people pages; another project's accounts out of reach; HTML as text."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from gapwise.core.gaps import flags as gap_flags
from gapwise.core.gaps.report import window_ending
from gapwise.core.gaps.thresholds import gap_thresholds
from gapwise.dashboard.overview import accounts as ui_accounts
from gapwise.db import db
from gapwise.models import Account, Gap, GapSnapshot, GapWindow, Person
from tests.helpers import AdminApi, message
from tests.story import Story
from tests.test_surveys_api import NPS
from tests.ui import Browser, make_user

PAYLOAD = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
GAP_KEY = "stall:trial:all"
# Thirty days back from this morning, so usage falls in the health windows that end today.
START = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=30)


def signed_in(app, email: str, project_id: int, role: str = "viewer") -> Browser:
    """A fresh client signed in as a new user with `role` in the project."""
    make_user(app, email, project_id, role)
    browser = Browser(app.test_client())
    assert browser.login(email).status_code == 302
    return browser


@pytest.fixture
def firms(app, client, batches, project, other_project):
    """Four accounts: Fading Co (fell silent, a detractor, an open gap), Thriving Inc (two busy people), quiet
    (no MRR), and one named with HTML; another project has an account of its own."""
    survey = AdminApi(client, project.secret_key, "surveys").post(json=NPS).get_json()["id"]
    s = Story(batches, START)
    s.person("sad", 0, account="fading", mrr=300)
    s.person("happy", 0, account="thriving", mrr=900)
    s.person("glad", 1, account="thriving", mrr=900)
    s.person("q1", 20, account="quiet")
    for day in range(2, 30):
        s.page("happy", day)
        s.page("glad", day)
        if day < 15:
            s.page("sad", day)
    s.page("glad", 29, hours=2)  # seen last
    s.answer("sad", survey, {"score": 9}, 5)
    s.answer("sad", survey, {"score": 3}, 10)  # the latest answer counts
    s.answer("happy", survey, {"score": 10}, 12)
    s.send()
    hostile = {"name": PAYLOAD, "plan": PAYLOAD, "mrr": 50, "motto": PAYLOAD}
    sent = [
        message(
            "identify", userId="h1", anonymousId=None, traits={}, timestamp=(START + timedelta(days=25)).isoformat()
        ),
        message(
            "group",
            userId="h1",
            anonymousId=None,
            groupId="evil",
            traits=hostile,
            timestamp=(START + timedelta(days=25, hours=1)).isoformat(),
        ),
    ]
    assert batches.post(sent, sent_at=None).get_json()["rejected"] == []
    stranger = message("group", userId="x1", groupId="stranger", traits={"name": "Stranger Ltd", "mrr": 5000})
    assert batches.post([stranger], write_key=other_project.write_key).get_json()["rejected"] == []
    with app.app_context():
        ids = {a.external_id: a.id for a in db.session.scalars(select(Account))}
        people = {p.user_id: p.id for p in db.session.scalars(select(Person))}
        _plant_open_gap(project.id, [ids["fading"]])
    return {"project": project.id, "accounts": ids, "people": people}


def _plant_open_gap(project_id: int, account_ids: list[int]) -> None:
    """A stall gap flagged in the latest evaluated window, touching these accounts, as an evaluation stores it."""
    days = gap_thresholds(db.session, project_id)["windowDays"]
    end = window_ending(None, days).end
    gap = Gap(project_id=project_id, key=GAP_KEY, type="stall", subject="trial", cohort="all")
    db.session.add_all([gap, GapWindow(project_id=project_id, window_end=end, window_days=days)])
    db.session.flush()
    shown = {"effort": 3, "valueBasis": "mrr", "affectedPeople": 1, "affectedAccounts": len(account_ids), "mrr": 300.0}
    evidence = {
        **{"stage": "trial", "next": "aha", "entered": 1, "stalled": 1, "share": 1.0, "days": 14},
        "threshold": {"stall": 0.5},
        "affected": {"accounts": account_ids},
        "shown": {**shown, "trend": "new", "previousSeverity": None, "headline": "stuck in trial"},
    }
    snapshot = {"severity": 0.5, "value": 300.0, "priority": 50.0, "evidence": evidence}
    db.session.add(GapSnapshot(project_id=project_id, gap_id=gap.id, window_end=end, window_days=days, **snapshot))
    db.session.commit()


def rows(page: str) -> list[list[str]]:
    """The body rows of the page's first table, each cell as its text."""
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def names(page: str) -> list[str]:
    return re.findall(r'/accounts/\d+">([^<]+)</a>', page)


def test_the_list_shows_mrr_people_health_gaps_and_nps_at_risk_first(app, firms):
    viewer = signed_in(app, "viewer@example.com", firms["project"])
    page = viewer.client.get(f"/app/p/{firms['project']}/accounts").get_data(as_text=True)
    assert "<strong>4</strong> accounts match" in page
    assert names(page) == ["fading", "thriving", ESCAPED, "quiet"]
    fading, thriving, evil, quiet = rows(page)
    gap = gap_flags.label(GAP_KEY)
    assert fading == [
        "fading",
        "—",
        "300",
        "1",
        "30 / 100 at risk",
        f"no activity in the last 14 days latest NPS answer 3 (detractor) 1 open gap: {gap}",
        "1",
        "+0 (n = 2, ±139)",  # one promoter (9), one detractor (3): NPS 0, the margin of two answers
    ]
    assert thriving == ["thriving", "—", "900", "2", "100 / 100", "—", "0", "+100 (n = 1)"]
    assert evil[2:5] == ["50", "1", "100 / 100"] and evil[7] == "—"
    assert quiet[2:5] == ["—", "1", "100 / 100"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"sort": "mrr"}, ["thriving", "fading", ESCAPED, "quiet"]),
        ({"sort": "people"}, ["thriving", ESCAPED, "fading", "quiet"]),
        ({"sort": "name"}, [ESCAPED, "fading", "quiet", "thriving"]),
        ({"sort": "no-such-order"}, ["fading", "thriving", ESCAPED, "quiet"]),
        ({"q": "THRIV"}, ["thriving"]),  # a name's start, any case
        ({"q": "ad"}, ["fading"]),  # anywhere in it
        ({"q": "evi"}, [ESCAPED]),  # an external id
        ({"q": "i", "sort": "name"}, [ESCAPED, "fading", "quiet", "thriving"]),
        ({"q": "%"}, []),  # a wildcard is text
    ],
)
def test_accounts_are_searched_by_name_or_external_id_and_sorted(app, firms, args, expected):
    viewer = signed_in(app, "viewer@example.com", firms["project"])
    page = viewer.client.get(f"/app/p/{firms['project']}/accounts", query_string=args).get_data(as_text=True)
    assert names(page) == expected
    if not expected:
        assert "No account matches “%”" in page and "No accounts yet" not in page


def test_the_list_is_paged_with_its_total(app, firms, monkeypatch):
    monkeypatch.setattr(ui_accounts, "PAGE", 3)
    viewer = signed_in(app, "viewer@example.com", firms["project"])
    first = viewer.client.get(f"/app/p/{firms['project']}/accounts?sort=name").get_data(as_text=True)
    assert names(first) == [ESCAPED, "fading", "quiet"]
    assert "<strong>4</strong> accounts match · page 1 of 2" in first and "Previous page" not in first
    following = re.search(r'href="([^"]+)">Next page', first).group(1).replace("&amp;", "&")
    assert "sort=name" in following and "page=2" in following
    second = viewer.client.get(following).get_data(as_text=True)
    assert names(second) == ["thriving"] and "page 2 of 2" in second and "Next page" not in second


def test_an_account_page_shows_its_facts_health_gaps_people_and_answers(app, firms):
    viewer = signed_in(app, "viewer@example.com", firms["project"])
    base = f"/app/p/{firms['project']}"
    page = viewer.client.get(f"{base}/accounts/{firms['accounts']['fading']}").get_data(as_text=True)
    assert "<h1>fading</h1>" in page and "<code>fading</code>" in page
    assert "<dt>MRR</dt><dd>300</dd>" in page and "<dt>People</dt><dd>1</dd>" in page
    assert '<dt>NPS</dt><dd>+0 <span class="muted">(n = 2, ±139)</span></dd>' in page
    assert "<dt>Latest NPS answer</dt><dd>3</dd>" in page
    assert "<strong>30 / 100</strong>: <strong>at risk</strong>" in page
    assert "<li>no activity in the last 14 days</li>" in page and "<li>latest NPS answer 3 (detractor)</li>" in page
    with app.app_context():
        gap_id = db.session.scalar(select(Gap.id).where(Gap.key == GAP_KEY))
    assert f'href="{base}/gaps#gap-{gap_id}">{gap_flags.label(GAP_KEY)}</a>' in page
    assert f'href="{base}/people/{firms["people"]["sad"]}">sad</a>' in page
    answers = rows(page[page.index('id="answers-title"') :])
    assert [(r[1], r[2], r[3]) for r in answers] == [("NPS nps", "3 of 10", "sad"), ("NPS nps", "9 of 10", "sad")]
    thriving = viewer.client.get(f"{base}/accounts/{firms['accounts']['thriving']}").get_data(as_text=True)
    assert "No open gap touches this account" in thriving and "Nothing counts against it." in thriving
    assert [r[0] for r in rows(thriving[thriving.index('id="people-title"') :])] == ["glad", "happy"]


def test_account_names_link_to_the_account_from_the_people_pages_and_the_overview(app, firms):
    viewer = signed_in(app, "viewer@example.com", firms["project"])
    base = f"/app/p/{firms['project']}"
    fading = f'href="{base}/accounts/{firms["accounts"]["fading"]}">fading</a>'
    assert fading in viewer.client.get(f"{base}/people/{firms['people']['sad']}").get_data(as_text=True)
    listed = viewer.client.get(f"{base}/people?sort=user").get_data(as_text=True)
    assert fading in listed and f'href="{base}/accounts/{firms["accounts"]["thriving"]}">thriving</a>' in listed
    assert fading in viewer.client.get(f"{base}/").get_data(as_text=True)  # the accounts at risk
    assert f'href="{base}/accounts"' in listed and ">Accounts</a>" in listed  # the nav
    # The account's people, all of them, in the people list.
    members = viewer.client.get(f"{base}/people", query_string={"account": "thriving", "sort": "user"})
    assert re.findall(r'/people/\d+">([^<]+)</a>', members.get_data(as_text=True)) == ["glad", "happy"]


def test_another_projects_account_is_not_listed_and_its_page_is_404(app, firms, other_project):
    viewer = signed_in(app, "viewer@example.com", firms["project"])
    page = viewer.client.get(f"/app/p/{firms['project']}/accounts").get_data(as_text=True)
    assert "Stranger" not in page
    stranger = firms["accounts"]["stranger"]
    assert viewer.client.get(f"/app/p/{firms['project']}/accounts/{stranger}").status_code == 404
    assert (
        viewer.client.get(f"/app/p/{firms['project']}/accounts/{max(firms['accounts'].values()) + 1}").status_code
        == 404
    )
    assert viewer.client.get(f"/app/p/{other_project.id}/accounts/{stranger}").status_code == 404  # not a member
    theirs = signed_in(app, "owner@example.com", other_project.id, "owner")
    assert theirs.client.get(f"/app/p/{other_project.id}/accounts/{stranger}").status_code == 200
    assert theirs.client.get(f"/app/p/{other_project.id}/accounts/{firms['accounts']['fading']}").status_code == 404


def test_a_hostile_account_name_is_shown_as_text(app, firms):
    viewer = signed_in(app, "viewer@example.com", firms["project"])
    base = f"/app/p/{firms['project']}"
    evil = firms["accounts"]["evil"]
    for path in (
        f"{base}/accounts",
        f"{base}/accounts/{evil}",
        f"{base}/people/{firms['people']['h1']}",
        f"{base}/people",
    ):
        page = viewer.client.get(path).get_data(as_text=True)
        assert PAYLOAD not in page and ESCAPED in page, path
    page = viewer.client.get(f"{base}/accounts/{evil}").get_data(as_text=True)
    assert f'<tr><th scope="row">motto</th><td>{ESCAPED}</td></tr>' in page
    assert f"<dt>Plan</dt><dd>{ESCAPED}</dd>" in page


def test_a_project_without_accounts_says_how_they_get_in(app, project):
    viewer = signed_in(app, "viewer@example.com", project.id)
    page = viewer.client.get(f"/app/p/{project.id}/accounts").get_data(as_text=True)
    assert "No accounts yet" in page and "gapwise.group(accountId, traits)" in page
    assert "<table" not in page and 'id="q"' not in page
