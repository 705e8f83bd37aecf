"""Precision and recall of the gap engine on randomised planted worlds, with and without real traffic.

For each seed: a fresh SQLite database and project (the world of tests/world.py: 6 planted gaps, healthy
controls), one month of `--people` people drawn with that seed, evaluated as the scheduler would; then the
same month with the traffic of a real deployment added (marketing-site visitors, crawlers, scripted clients,
a CRM sync of dormant people, retried batches, skewed clocks). A second month of fresh people drawn with
another seed, behaving the same way, is evaluated against the first: every gap flagged in both windows
should read "steady". Prints precision and recall per condition and the steady count.

    .venv/bin/python bench/gap_accuracy.py --seeds 10
"""

import argparse
import logging
import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--people", type=int, default=60)
    parser.add_argument("--visitors", type=int, default=400, help="marketing-site visitors a month")
    return parser.parse_args(argv)


def world(seed: int, people: int, visitors: int, traffic: bool) -> tuple[set, set, list[str]]:
    """(flags of month one, flags of month two, trends of the gaps flagged in both)."""
    from gapwise.core.storage import migrate
    from tests.helpers import Batches, ProjectKeys, app_for_tests
    from tests.test_gaps import AT, Product
    from tests.world import cohort, noise

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/gapwise.db"
        migrate.upgrade(url)
        app = app_for_tests({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
        client = app.test_client()
        project = ProjectKeys(app)
        batches = Batches(app, client, project)
        p = Product(client, batches, project)
        assert p.api["journey"].put(json={"population": {"robotFeaturesPerMinute": 3}}).status_code == 200
        rng = random.Random(seed)
        for month, first_day in ((0, 12), (1, 42)):
            cohort(p, random.Random(seed * 1000 + month), f"m{month}-", people, first_day)
            if traffic:
                noise(p, batches, rng, f"m{month}-", first_day, visitors)
            p.story.send()
        first = p.flags()
        later = p.report(AT + timedelta(days=30))
        second = {(g["type"], g["subject"], g["cohort"]): g for g in later["gaps"] if g["flagged"]}
        app.extensions["gapwise.db"].engine.dispose()
        return set(first), set(second), [g["trend"] for k, g in second.items() if k in first]


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.disable(logging.WARNING)  # migrations and request logs of each fresh database
    from tests.world import PLANTED

    for traffic in (False, True):
        hits = flagged = 0
        trends: list[str] = []
        for seed in range(args.seeds):
            first, second, both = world(seed, args.people, args.visitors, traffic)
            for flags in (first, second):
                hits += len(flags & PLANTED)
                flagged += len(flags)
                extra, missed = flags - PLANTED, PLANTED - flags
                if extra or missed:
                    print(f"  seed {seed}: extra {sorted(extra)}, missed {sorted(missed)}")
            trends += both
        windows = 2 * args.seeds
        precision, recall = (hits / flagged if flagged else 1.0), hits / (windows * len(PLANTED))
        steady = sum(t == "steady" for t in trends)
        print(
            f"{'with' if traffic else 'without'} real traffic: {windows} windows of {args.people} people, "
            f"{len(PLANTED)} planted gaps each: precision {precision:.3f} ({hits} of {flagged} flags), recall "
            f"{recall:.3f} ({hits} of {windows * len(PLANTED)}); steady {steady} of {len(trends)} unchanged gaps "
            f"(others: {', '.join(t for t in trends if t != 'steady') or 'none'})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
