"""How well open-text answers fall into themes, on the two labelled sets, and how long 2,000 answers take.

For tests/data/feedback_themes.json (the set the lexicon and thresholds were tuned on) and
tests/data/feedback_themes_holdout.json (written afterwards, never tuned on): answers, true labels, themes
found, purity (answers of each theme's main label ÷ answers in themes), inverse purity (answers of each label
in its main theme ÷ labelled answers, noise left out), the share of answers in "Other" and how much of the
noise landed there. Then the time of `themes.group` on 2,000 answers (wall clock and CPU of this process,
which is the figure to read on a busy machine): the sets replicated with small changes (a word dropped, a
prefix, a changed case), best of `--runs`, and the same scores for them.

    .venv/bin/python bench/themes.py
    .venv/bin/python bench/themes.py --show
"""

import argparse
import json
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETS = ("feedback_themes.json", "feedback_themes_holdout.json")
PREFIXES = ("", "Honestly, ", "Hmm. ", "One thing: ", "IMO ", "")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--show", action="store_true", help="print each theme's label, size and labels")
    return parser.parse_args(argv)


def inputs(rows: list[dict], start: int = 0):
    """ThemeInputs of labelled rows, one an hour from a fixed Monday."""
    from gapwise.core.surveys.themes import ThemeInput

    at = datetime(2026, 11, 2, tzinfo=UTC)
    return [ThemeInput(start + i, r["text"], at + timedelta(hours=i), start + i) for i, r in enumerate(rows)]


def scores(rows: list[dict], themes: list[dict]) -> dict:
    """Purity, inverse purity, Other share, noise in Other and theme count of one grouping."""
    label = {i: r["label"] for i, r in enumerate(rows)}
    found = [t for t in themes if not t.get("other")]
    other = next((t for t in themes if t.get("other")), {"answerIds": []})
    grouped = sum(t["count"] for t in found)
    purity = sum(Counter(label[i] for i in t["answerIds"]).most_common(1)[0][1] for t in found) / max(grouped, 1)
    truth = Counter(label.values())
    truth.pop("noise", None)
    best = {name: max((sum(label[i] == name for i in t["answerIds"]) for t in found), default=0) for name in truth}
    noise = [i for i, name in label.items() if name == "noise"]
    return {
        "answers": len(rows),
        "labels": len(truth),
        "themes": len(found),
        "purity": purity,
        "inverse": sum(best.values()) / sum(truth.values()),
        "other": len(other["answerIds"]) / len(rows),
        "noise_in_other": sum(i in set(other["answerIds"]) for i in noise) / max(len(noise), 1),
    }


def varied(rows: list[dict], n: int, seed: int = 7) -> list[dict]:
    """n rows drawn from the sets, each with a prefix, maybe a dropped word and a changed case."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        row = rng.choice(rows)
        words = row["text"].split()
        if len(words) > 3 and rng.random() < 0.5:
            del words[rng.randrange(len(words))]
        text = rng.choice(PREFIXES) + " ".join(words)
        out.append({"text": text.lower() if rng.random() < 0.2 else text, "label": row["label"]})
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    from gapwise.core.surveys import themes

    everything = []
    for name in SETS:
        rows = json.loads((ROOT / "tests" / "data" / name).read_text())
        everything += rows
        found = themes.group(inputs(rows))
        s = scores(rows, found)
        print(
            f"{name}: {s['answers']} answers, {s['labels']} labels (+ noise), {s['themes']} themes, "
            f"purity {s['purity']:.3f}, inverse purity {s['inverse']:.3f}, Other {s['other']:.1%} "
            f"(noise in Other {s['noise_in_other']:.0%})"
        )
        if args.show:
            for t in found:
                labels = Counter(rows[i]["label"] for i in t["answerIds"]).most_common(3)
                print(f"    {t['count']:3} {t['label']:<32} {t.get('feature') or '':<12} {labels}")
    big = varied(everything, themes.MAX_ANSWERS)
    times, cpu = [], []
    for _ in range(args.runs):
        started, used = time.perf_counter(), time.process_time()
        found = themes.group(inputs(big))
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    s = scores(big, found)
    print(
        f"{len(big)} varied answers: {min(times) * 1000:.0f} ms, {min(cpu) * 1000:.0f} ms CPU (best of {args.runs}), "
        f"{s['themes']} themes, "
        f"purity {s['purity']:.3f}, inverse purity {s['inverse']:.3f}, Other {s['other']:.1%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
