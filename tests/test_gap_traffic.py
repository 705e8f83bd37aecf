"""The gap engine on a randomised world (tests/world.py) with the traffic of a real deployment: the planted gaps
are found, nothing else is, and a month of fresh people behaving the same way reads every gap as steady.
bench/gap_accuracy.py runs the same over many seeds and prints precision, recall and the steady count."""

import random
from datetime import timedelta

from sqlalchemy import func, select

from gapwise.db import db
from gapwise.models import Person
from tests.test_gaps import AT, Product
from tests.world import PLANTED, cohort, noise, score


def month(p: Product, batches, seed: int, first_day: int, traffic: bool) -> None:
    cohort(p, random.Random(seed), f"s{seed}-", 60, first_day)
    if traffic:
        noise(p, batches, random.Random(seed + 1), f"s{seed}-", first_day, visitors=200)
    p.story.send()


def product(client, batches, project) -> Product:
    p = Product(client, batches, project)
    assert p.api["journey"].put(json={"population": {"robotFeaturesPerMinute": 3}}).status_code == 200
    return p


def test_the_planted_gaps_and_only_they_are_found_with_or_without_real_traffic(app, client, batches, project):
    p = product(client, batches, project)
    month(p, batches, seed=3, first_day=12, traffic=False)
    tidy = p.flags()
    assert score(set(tidy)) == (1.0, 1.0)
    month(p, batches, seed=4, first_day=42, traffic=True)  # the next month, with everything else the snippet sees
    noisy = p.flags(AT + timedelta(days=30))
    assert score(set(noisy)) == (1.0, 1.0), sorted(set(noisy) ^ PLANTED)
    # The noise did not leak into the figures: only the month's 60 people are active, and 120 dormant people a
    # CRM sync identified, 200 marketing visitors and 4 scripted clients are none of them.
    assert noisy["communication", "alerts", "all"]["evidence"]["expected"] == 60
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Person).where(Person.project_id == project.id))
        robots = db.session.scalar(select(func.count()).select_from(Person).where(Person.robot))
    assert stored >= 120 + 200 + 120 and robots == 4  # both months' people, the visitors, the CRM's; crawlers not


def test_a_gap_that_did_not_change_reads_steady_across_windows_with_fresh_people_and_noise(client, batches, project):
    p = product(client, batches, project)
    month(p, batches, seed=5, first_day=12, traffic=True)
    month(p, batches, seed=6, first_day=42, traffic=True)
    first = p.flags()
    later = p.flags(AT + timedelta(days=30))
    assert set(first) == set(later) == PLANTED
    assert {key: g["trend"] for key, g in later.items()} == dict.fromkeys(PLANTED, "steady")
