"""A randomised product month with known gaps, and the traffic of a real deployment around it.

`cohort` signs up `size` people over a month and has them behave with fixed probabilities, drawn from a
seeded random generator: the same gaps as tests/test_gaps.py are planted (alerts promised and rarely found,
share tried once and rated low, people from ads never reaching aha, automation wanted and served by no core
feature, reliability perceived under expectation, and so few reaching activation), while export and
integrations stay healthy. Two cohorts drawn with different seeds differ only by chance, so every gap of the
one should read "steady" against the other. `noise` adds what the snippet sees besides: marketing-site
visitors, crawlers (by user agent), scripted clients (by behaviour), dormant people a weekly CRM sync
identifies, retried batches and clocks off by minutes.
"""

import random
import uuid
from datetime import datetime, timedelta

from tests.test_gaps import PLANTED, START, Product

MARKETING = ("https://www.example.com/", "https://www.example.com/pricing", "https://www.example.com/blog/gaps")
APP = "https://app.example.com/reports"
CRAWLER = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
__all__ = ["PLANTED", "anonymous", "cohort", "noise", "score", "scripted_clients"]
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


def cohort(p: Product, rng: random.Random, prefix: str, size: int, first_day: int) -> None:
    """`size` people signing up on days first_day..first_day+5, living their month (queued on p.story)."""
    s = p.story
    for i in range(size):
        user, day = f"{prefix}{i}", first_day + rng.randrange(6)
        ads = rng.random() < 0.3
        account = f"{prefix}acct-{i // 4}"
        s.person(
            user, day, traits={"source": "ads" if ads else "search"}, account=account, mrr=100.0 * (1 + i // 4 % 10)
        )
        s.page(user, day)
        goals = (
            ["automation"]
            if ads
            else ["reporting"]
            + (["automation"] if rng.random() < 0.66 else [])
            + (["collaboration"] if rng.random() < 0.25 else [])
        )
        s.answer(user, p.welcome, {"goals": goals}, day, hours=0.5)
        if "automation" in goals:
            for d in (day + 1, day + 5):
                s.use(user, "integrations", d)
        if not ads:
            for d in (day, day + 3, day + 8):
                s.use(user, "export", d)
        if rng.random() < 0.8:
            s.see(user, "share", day + 1)
            if rng.random() < 0.75:
                s.use(user, "share", day + 1, hours=2)
                s.answer(user, p.csat, {"csat": rng.choice((1, 2, 2, 3))}, day + 1, hours=3)
        if rng.random() < 0.1:
            for d in (day + 2, day + 9):
                s.use(user, "alerts", d)
        if rng.random() < 0.5:
            s.answer(user, p.servqual, {"e": rng.choice((6, 7)), "p": rng.choice((3, 4))}, day + 4)


def noise(p: Product, batches, rng: random.Random, prefix: str, first_day: int, visitors: int = 400) -> None:
    """What else the snippet sends in that month: sent straight away, through /v1/batch."""
    sent = []
    for v in range(visitors):
        for _ in range(1 + rng.randrange(3)):
            sent.append(anonymous("page", f"{prefix}visitor-{v}", first_day + rng.random() * 29, rng.choice(MARKETING)))
    scripted = scripted_clients(f"{prefix}script-", 4, range(first_day + 1, first_day + 28, 4))
    crawled = [anonymous("page", f"{prefix}crawler-{c}", first_day + rng.random() * 29, APP) for c in range(60)]
    _post(batches, sent + scripted, rng)
    _post(batches, crawled, rng, {"User-Agent": CRAWLER})
    for day in range(first_day + 2, first_day + 29, 7):  # the CRM sync: 120 customers who never open the product
        for d in range(120):
            p.story.person(f"{prefix}dormant-{d}", day, account=f"{prefix}crm-{d % 20}", mrr=80.0)


def scripted_clients(prefix: str, count: int, days) -> list[dict]:
    """Headless clients that run the snippet and click through every feature within seconds, on each of `days`."""
    return [
        anonymous("track", f"{prefix}{b}", day + n * 3 / 86_400, APP, event=event, properties={"feature": feature})
        for b in range(count)
        for day in days
        for n, feature in enumerate(("export", "alerts", "share", "integrations"))
        for event in ("feature_seen", "feature_used")
    ]


def anonymous(kind: str, visitor: str, day: float, url: str, **fields) -> dict:
    """A message from the snippet, in a browser, of a visitor who never signed in (`day`: of the story)."""
    when = START + timedelta(days=day)
    page = {"url": url, "path": "/" + url.split("/", 3)[-1]}
    message = {"type": kind, "messageId": str(uuid.uuid4()), "anonymousId": visitor, "timestamp": when.isoformat()}
    if kind == "page":
        message["properties"] = page
    return {**message, "context": {"page": page, "userAgent": BROWSER}, **fields}


def _post(batches, messages: list[dict], rng: random.Random, headers=None) -> None:
    """In batches of up to 300, a tenth of them sent twice (a retry after a lost answer), with clocks off by up
    to five minutes (the batch's sentAt tells the server how far)."""
    rng.shuffle(messages)
    for offset in range(0, len(messages), 300):
        chunk = messages[offset : offset + 300]
        skew = timedelta(minutes=rng.uniform(-5, 5))
        shifted = [{**m, "timestamp": (datetime.fromisoformat(m["timestamp"]) + skew).isoformat()} for m in chunk]
        sent_at = (datetime.now().astimezone() + skew).isoformat()
        for _ in range(2 if rng.random() < 0.1 else 1):
            answer = batches.post(shifted, headers=headers, sent_at=sent_at)
            assert answer.status_code == 200, answer.get_json()


def score(flagged: set, planted: set = PLANTED) -> tuple[float, float]:
    """Precision and recall of the flags against the planted gaps."""
    hits = len(flagged & planted)
    return (hits / len(flagged) if flagged else 1.0), hits / len(planted)
