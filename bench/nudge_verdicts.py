"""How often a nudge's verdict is wrong: simulated arms at the planned sample, with and without a true lift.

For each baseline rate, --runs pairs of arms of `required_per_arm(baseline, 0.1)` people each: with the
same true rate (a false alarm is any verdict but "no effect") and with a true lift of 0.1 (power: the share
that reads "works"). The verdict is core.nudges.results.decide, as GET /api/v1/nudges/<id>/results uses it.

    .venv/bin/python bench/nudge_verdicts.py --runs 4000
"""

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    from gapwise.core.nudges import results

    rng = random.Random(args.seed)
    alarms = total = 0
    for baseline in (0.05, 0.1, 0.2, 0.35, 0.5):
        n = results.required_per_arm(baseline, 0.1)

        def arm(rate: float, size: int = n) -> int:
            return sum(rng.random() < rate for _ in range(size))

        false = sum(results.decide(arm(baseline), arm(baseline), n) != "no effect" for _ in range(args.runs))
        power = sum(results.decide(arm(baseline + 0.1), arm(baseline), n) == "works" for _ in range(args.runs))
        alarms, total = alarms + false, total + args.runs
        print(
            f"baseline {baseline:.2f}: {n} people an arm; false alarms {false / args.runs:.2%}, "
            f"lift of 0.10 found {power / args.runs:.1%} ({args.runs} runs each)"
        )
    print(f"all baselines: false alarms {alarms / total:.2%} of {total} runs with no true effect")
    return 0


if __name__ == "__main__":
    sys.exit(main())
