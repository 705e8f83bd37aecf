"""Account health: usage trend, latest NPS and CSAT, open gaps; at-risk accounts first, with reasons."""

from datetime import timedelta

from tests.helpers import AdminApi
from tests.story import Story
from tests.test_gaps import AT, MRR, product  # noqa: F401  (the planted-gaps scenario)


def health(client, secret_key, at):
    answer = AdminApi(client, secret_key, "accounts").get("/health", query_string={"at": at.isoformat()})
    assert answer.status_code == 200, answer.get_json()
    return {a["externalId"]: a for a in answer.get_json()["accounts"]}


def test_falling_usage_and_a_detractor_put_an_account_at_risk_with_reasons(client, batches, project):
    nps = (
        AdminApi(client, project.secret_key, "surveys")
        .post(
            json={
                "name": "NPS",
                "kind": "nps",
                "status": "active",
                "questions": [{"id": "score", "type": "nps", "text": "Recommend?"}],
            }
        )
        .get_json()["id"]
    )
    start = AT - timedelta(days=40)
    s = Story(batches, start)
    s.person("happy", 0, account="thriving", mrr=900)
    s.person("sad", 0, account="fading", mrr=300)
    for day in range(12, 40):  # both busy in the 14 days before the last 14
        s.page("happy", day)
        if day < 26:
            s.page("sad", day)
    s.answer("happy", nps, {"score": 10}, 30)
    s.answer("sad", nps, {"score": 9}, 20)
    s.answer("sad", nps, {"score": 3}, 25)  # the latest answer counts
    s.send()
    accounts = health(client, project.secret_key, AT - timedelta(days=1))
    assert list(accounts) == ["fading", "thriving"]  # at risk first
    fading, thriving = accounts["fading"], accounts["thriving"]
    assert (thriving["score"], thriving["atRisk"], thriving["reasons"]) == (100, False, [])
    assert fading["atRisk"] is True and fading["score"] == 100 - 40 - 20
    assert fading["reasons"] == ["no activity in the last 14 days", "latest NPS answer 3 (detractor)"]
    assert (fading["nps"], fading["mrr"], fading["people"]) == (3, 300.0, 1)


def test_open_gaps_count_against_the_accounts_they_touch(client, project, product, gapwise):  # noqa: F811
    product.report()  # evaluated, as the scheduler would; health reads the stored report
    accounts = health(client, project.secret_key, AT)
    assert "communication:alerts:all" in accounts["acct-0"]["openGaps"]
    assert "stall:trial:segment:ads" in accounts["acct-0"]["openGaps"]
    assert "stall:trial:segment:ads" not in accounts["acct-9"]["openGaps"]
    # p0-p3 only saw share: the delivery gap's people are those who failed it (used once, rated it low).
    assert "delivery:share:all" not in accounts["acct-0"]["openGaps"]
    assert "delivery:share:all" in accounts["acct-2"]["openGaps"] and len(accounts["acct-9"]["openGaps"]) >= 1
    reasons = [r for r in accounts["acct-0"]["reasons"] if "open gaps" in r]
    assert reasons[0].startswith(f"{len(accounts['acct-0']['openGaps'])} open gaps: ")
    assert "communication gap on alerts" in reasons[0] and "communication:alerts" not in reasons[0]  # words, not keys
    assert accounts["acct-0"]["mrr"] == MRR["acct-0"]
    printed = gapwise("accounts", "--project", project.id, "--at", AT.strftime("%Y-%m-%d"))
    assert printed.exit_code == 0, (printed.output, printed.exception)
    assert printed.output.splitlines()[0].split()[:4] == ["ACCOUNT", "MRR", "PEOPLE", "SCORE"]
    assert "open gaps" in printed.output


def test_accounts_belong_to_the_key_s_project(client, product, other_project):  # noqa: F811
    assert health(client, other_project.secret_key, AT) == {}
