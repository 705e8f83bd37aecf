"""Who counts: the planted scenario of test_gaps keeps exactly its flags, and its figures, when the traffic of a
real deployment is added through /v1/batch: visitors of the marketing site the snippet also runs on, crawlers
(by user agent) and scripted clients (by behaviour), dormant users a CRM sync identifies every week.
Anonymous visitors count once they are seen on a product page (journey rules, population.productUrls)."""

import pytest
from sqlalchemy import select

from gapwise.db import db
from gapwise.models import Person
from tests import world
from tests.test_gaps import PLANTED, N, Product
from tests.world import APP, MARKETING, anonymous

CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def marketing_visitors(count: int, first_day: int = 11) -> list[dict]:
    """`count` visitors who read the marketing site on a few days of the window, and never sign in."""
    sent = []
    for v in range(count):
        for k in range(1 + v % 3):
            sent.append(anonymous("page", f"visitor-{v}", first_day + (v * 7 + k * 5) % 29, MARKETING[(v + k) % 3]))
    return sent


def scripted_clients(count: int) -> list[dict]:
    """Headless clients that run the snippet and click through every feature within seconds, day after day."""
    return world.scripted_clients("script-", count, range(12, 40, 3))


def post(batches, messages: list[dict], headers=None) -> None:
    for offset in range(0, len(messages), 400):
        answer = batches.post(messages[offset : offset + 400], headers=headers, sent_at=None)
        assert answer.status_code == 200, answer.get_json()


def add_real_traffic(p: Product, batches) -> None:
    post(batches, marketing_visitors(600))
    crawler = scripted_clients(3) + marketing_visitors(50)
    post(batches, crawler, headers={"User-Agent": CRAWLER})  # acknowledged as robots, never stored
    post(batches, scripted_clients(5))
    for day in range(14, 40, 7):  # the weekly CRM sync: every customer and 150 who never open the product
        for i in range(N):
            p.story.person(f"p{i}", day)
        for d in range(150):
            p.story.person(f"dormant-{d}", day, account=f"crm-{d % 30}", mrr=50.0)
    p.story.send()


@pytest.fixture
def clean(client, batches, project):
    p = Product(client, batches, project)
    # Scripted clients here use four features in seconds: a threshold under four marks them.
    assert p.api["journey"].put(json={"population": {"robotFeaturesPerMinute": 3}}).status_code == 200
    p.first_month()
    return p


def flags_and_figures(p: Product) -> dict:
    return {
        key: {
            "severity": g["severity"],
            "affectedPeople": g["affectedPeople"],
            **{
                k: v for k, v in g["evidence"].items() if k in ("expected", "exposed", "entered", "stalled", "answered")
            },
        }
        for key, g in p.flags().items()
    }


def test_marketing_visitors_robots_and_a_crm_sync_change_no_flag_and_no_figure(clean, batches, app):
    before = flags_and_figures(clean)
    assert set(before) == PLANTED
    add_real_traffic(clean, batches)
    after = flags_and_figures(clean)
    assert after == before  # precision and recall as on tidy traffic, with the same evidence
    with app.app_context():
        robots = set(db.session.scalars(select(Person.id).where(Person.robot)))
        assert len(robots) == 5  # the scripted clients; crawlers by user agent were never stored
        seen = db.session.scalar(select(Person.id).where(Person.user_id.is_(None), Person.product_at.is_not(None)))
        assert seen in robots  # the only anonymous people seen in the product are the scripted clients


def test_anonymous_visitors_count_once_seen_on_a_product_page(clean, batches):
    """With product URLs set, 20 anonymous visitors on the app count as active (alerts is promised to
    everyone active, so its communication gap counts them); marketing visitors still do not."""
    in_app = [anonymous("page", f"guest-{v}", 20 + v % 10, APP) for v in range(20)]
    post(batches, in_app + marketing_visitors(100))
    assert clean.flags()["communication", "alerts", "all"]["evidence"]["expected"] == N
    rules = {"population": {"productUrls": [r"^https://app\.example\.com/"], "robotFeaturesPerMinute": 3}}
    assert clean.api["journey"].put(json=rules).status_code == 200
    post(batches, [anonymous("page", f"guest-{v}", 21 + v % 10, APP) for v in range(20)])
    assert clean.flags()["communication", "alerts", "all"]["evidence"]["expected"] == N + 20


def test_a_project_can_count_only_people_seen_in_the_product(clean):
    """identified: false — signed-in people who only browse pages (and never use a tagged feature) drop out."""
    for i in range(10):
        clean.story.person(f"browser-{i}", 15)
        clean.story.page(f"browser-{i}", 16)
    clean.story.send()
    assert clean.flags()["communication", "alerts", "all"]["evidence"]["expected"] == N + 10
    rules = {"population": {"identified": False, "robotFeaturesPerMinute": 3}}
    assert clean.api["journey"].put(json=rules).status_code == 200
    # The 40 planted people all used a tagged feature (export or integrations) or are still counted by it.
    expected = clean.flags()["communication", "alerts", "all"]["evidence"]["expected"]
    assert expected == N


def test_a_person_using_a_few_features_in_a_minute_is_not_a_robot(clean, batches, app):
    """Three distinct features within a minute is at the threshold, not past it: a quick person stays a person."""
    quick = []
    for n, feature in enumerate(("export", "alerts", "share")):
        quick.append(
            anonymous(
                "track", "quick", 20 + n * 10 / 86_400, APP, event="feature_used", properties={"feature": feature}
            )
        )
    post(batches, quick)
    later = anonymous(
        "track", "quick", 20 + 90 / 86_400, APP, event="feature_used", properties={"feature": "integrations"}
    )
    post(batches, [later])  # a fourth feature, but 90 s after the first: no minute holds more than three
    with app.app_context():
        assert (
            db.session.scalar(select(Person.robot).where(Person.product_at.is_not(None), Person.user_id.is_(None)))
            is False
        )
    sprint = [
        anonymous("track", "quick", 25 + n / 86_400, APP, event="feature_used", properties={"feature": f})
        for n, f in enumerate(("export", "alerts", "share", "integrations"))
    ]
    post(batches, sprint[:2])  # across two batches, as the tracker flushes them
    post(batches, sprint[2:])
    with app.app_context():
        assert db.session.scalar(select(Person.robot).where(Person.user_id.is_(None), Person.product_at.is_not(None)))


def test_product_urls_outside_the_safe_pattern_subset_are_refused(clean):
    answer = clean.api["journey"].put(json={"population": {"productUrls": ["(a+)+$"]}})
    assert answer.status_code == 422
    assert "productUrls" in answer.get_json()["errors"]["population"]
    assert clean.api["journey"].get().get_json()["population"]["productUrls"] == []
