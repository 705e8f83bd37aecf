"""A gap's value is in one unit, MRR at risk: people in accounts without MRR count at the project's median
MRR per person (or a set `personValue`), so a stall of trial sign-ups is weighed against a paying cohort's
gap, and one $1 account cannot flip a gap from heads to dollars."""

import pytest

from tests.test_gaps import Product


@pytest.fixture
def mixed(client, batches, project):
    """20 paying people in 4 accounts ($500 MRR each: $100 a person) who barely see `share`; 40 trial
    sign-ups without an account who stall in trial."""
    p = Product(client, batches, project)
    for i in range(20):
        p.story.person(f"paid{i}", 12, account=f"acct-{i // 5}", mrr=500.0)
        p.story.page(f"paid{i}", 14)
        p.story.use(f"paid{i}", "export", 13)  # their aha: no stall among them
        if i < 2:
            p.story.see(f"paid{i}", "alerts", 15)
    for i in range(40):
        p.story.person(f"trial{i}", 12)
        p.story.page(f"trial{i}", 14)
    p.story.send()
    return p


def by_key(report: dict) -> dict:
    return {(g["type"], g["subject"], g["cohort"]): g for g in report["gaps"] if g["flagged"]}


def test_people_without_mrr_count_at_the_median_mrr_per_person(mixed):
    gaps = by_key(mixed.report())
    stall = gaps["stall", "trial", "all"]
    at_risk = stall["evidence"]["atRisk"]
    assert (at_risk["withoutMrr"], at_risk["personValue"]) == (40, pytest.approx(100.0))
    assert stall["value"] == pytest.approx(stall["mrr"] + 40 * 100.0)
    assert stall["valueBasis"] == "mrr+estimate"
    alerts = gaps["communication", "alerts", "all"]
    assert alerts["evidence"]["atRisk"]["personValue"] == pytest.approx(100.0)
    # 40 trial sign-ups at $100 weigh against paying accounts in the same unit, not as 40 "dollars".
    assert stall["value"] >= 4000


def test_a_set_person_value_is_used_and_one_dollar_account_does_not_flip_the_unit(mixed):
    mixed.story.person("trial0", 13, account="tiny", mrr=1.0)  # one sign-up's account starts paying $1
    mixed.story.send()
    stall = by_key(mixed.report())["stall", "trial", "all"]
    # Before, any MRR at all switched the gap to dollars: 40 stalled people were worth $1.
    assert stall["mrr"] == 1.0 and stall["value"] == pytest.approx(1.0 + 39 * 100.0)
    assert mixed.api["gaps"].put("/thresholds", json={"personValue": 25}).status_code == 200
    stall = by_key(mixed.report())["stall", "trial", "all"]
    assert stall["evidence"]["atRisk"]["personValue"] == 25
    assert stall["value"] == pytest.approx(1.0 + 39 * 25)
    assert mixed.api["gaps"].put("/thresholds", json={"personValue": -1}).status_code == 422


def test_a_crm_sync_identifying_everyone_makes_no_one_active(client, batches, project):
    """A nightly server-side identify (and group) of every user, most of them dormant, leaves exposure as
    it was: only what people do in the product (track, page, screen, survey) makes them active."""
    p = Product(client, batches, project)
    for i in range(30):
        p.story.person(f"user{i}", 12)
        p.story.page(f"user{i}", 14)
        if i < 20:
            p.story.see(f"user{i}", "share", 14)
            p.story.use(f"user{i}", "share", 14)
            p.story.use(f"user{i}", "share", 17)
    p.story.send()
    assert ("delivery", "share", "all") not in by_key(p.report())  # 20 of 30 saw it and came back
    for day in range(20, 40, 7):  # the CRM sync: everyone, and 200 dormant users who never open the product
        for i in range(30):
            p.story.person(f"user{i}", day, account="acct-sync", mrr=100.0)
        for i in range(200):
            p.story.person(f"dormant{i}", day, account="acct-sync", mrr=100.0)
    p.story.send()
    after = p.report()
    share = [g for g in after["gaps"] if g["key"].startswith("delivery:share")]
    communication = [g for g in after["gaps"] if g["key"] == "communication:alerts:all"]
    assert not share  # still no delivery gap after the sync
    assert communication and communication[0]["evidence"]["expected"] == 30  # not 230
