"""The demo simulation: `generate` turns the planted truths of `plan` into /v1/batch messages.

It is pure: the same arguments give the same messages (same messageIds too, so loading them twice stores
nothing new).
"""

import random
from datetime import datetime, timedelta

from ..models.base import utcnow
from .people import Person
from .plan import ACCOUNTS, DAYS, NAMES, PEOPLE, PLANS, SEED, SURVEYS


def generate(
    people: int = PEOPLE,
    days: int = DAYS,
    seed: int = SEED,
    now: datetime | None = None,
    survey_ids: dict[str, str] | None = None,
    first: int = 0,
) -> list[dict]:
    """The messages of `people` people over the `days` days before `now`, oldest first.

    `survey_ids` maps SURVEYS to the project's survey ids; without it survey messages carry the names
    (the server keeps messages about unknown surveys as plain events). People are numbered from
    `first`, so a large population can be generated in slices.
    """
    now = now or utcnow()
    origin = now - timedelta(days=days)
    ids = {name: (survey_ids or {}).get(name, name) for name in SURVEYS}
    accounts = _accounts(seed)
    weights = [seats for *_, seats in accounts]
    timed = []
    for n in range(first, first + people):
        rng = random.Random(f"gapwise-demo/{seed}/{days}/{n}")
        account = rng.choices(accounts, weights)[0]
        person = Person(rng, n, account, ids, origin, days, f"gapwise-demo/{seed}/{days}/{n}")
        timed += person.live()
    timed.sort(key=lambda item: (item[0], item[1]["messageId"]))
    return [{**m, "timestamp": _iso(at)} for at, m in timed]


def _accounts(seed: int) -> list[tuple[str, str, str, int, float]]:
    """ACCOUNTS accounts: (id, name, plan, mrr, seats weight); MRR by plan."""
    rng = random.Random(f"gapwise-demo/{seed}/accounts")
    out = []
    for n in range(ACCOUNTS):
        plan, _, seats = rng.choices(PLANS, [w for _, w, _ in PLANS])[0]
        mrr = {
            "free": 0,
            "starter": rng.choice([49, 99, 149]),
            "pro": rng.randrange(300, 1600, 50),
            "enterprise": rng.randrange(2000, 9000, 250),
        }[plan]
        name = f"{NAMES[n % len(NAMES)]} {['Inc', 'Labs', 'Group', 'Co'][n // len(NAMES) % 4]}"
        out.append((f"acct-{n:02d}", name, plan, mrr, seats))
    return out


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
