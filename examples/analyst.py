"""NPS by journey stage from a responses export, in DuckDB: the figures GET /api/v1/scores gives in `byStage`.

Get an export (Parquet or CSV), from the command line or from a running server:

    gapwise export responses --project 1 --format parquet --out responses.parquet
    curl -H "Authorization: Bearer sk_…" -o responses.parquet \\
         "http://127.0.0.1:5000/api/v1/export/responses?format=parquet"

then:

    pip install -e '.[examples]'                 # DuckDB
    .venv/bin/python examples/analyst.py responses.parquet
    .venv/bin/python examples/analyst.py responses.csv --json

NPS counts completed answers to NPS surveys that have a score: promoters answered 9–10, detractors
0–6; NPS = %promoters − %detractors, with its 95% margin of error (from two answers on). Each answer
counts in the stage the person was in when the survey was shown (the `stage` column).
"""

import argparse
import json
import math
import sys
from pathlib import Path

import duckdb

STAGES = ("trial", "aha", "activation", "adoption")

NPS_BY_STAGE = """
    SELECT stage,
           count(*) AS n,
           count(*) FILTER (WHERE score >= 9) AS promoters,
           count(*) FILTER (WHERE score <= 6) AS detractors
    FROM responses
    WHERE kind = 'nps' AND completed AND score IS NOT NULL
    GROUP BY stage
"""


def load(path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the export as the view `responses` (the columns documented in the README)."""
    con = duckdb.connect()
    if path.suffix == ".parquet":
        con.read_parquet(str(path)).create_view("responses")
    else:  # CSV: an empty field is a null; the types are said rather than guessed from a sample
        con.read_csv(
            str(path),
            header=True,
            dtype={"score": "DOUBLE", "completed": "BOOLEAN", "stage": "VARCHAR", "kind": "VARCHAR"},
        ).create_view("responses")
    return con


def nps(n: int, promoters: int, detractors: int) -> dict:
    """NPS and its margin of error from the counts, as core.surveys.scores computes them."""
    p, d = (promoters / n, detractors / n) if n else (0.0, 0.0)
    return {
        "score": (p - d) * 100 if n else None,
        "n": n,
        "promoters": promoters,
        "passives": n - promoters - detractors,
        "detractors": detractors,
        "marginOfError": 1.96 * math.sqrt((p + d - (p - d) ** 2) / n) * 100 if n >= 2 else None,
    }


def nps_by_stage(path: Path) -> dict[str, dict]:
    """{stage: NPS figures} for the four stages (in journey order) and any other stage found in the export."""
    counts = {
        stage: (n, promoters, detractors)
        for stage, n, promoters, detractors in load(path).execute(NPS_BY_STAGE).fetchall()
    }
    stages = [*STAGES, *sorted(set(counts) - set(STAGES))]
    return {stage: nps(*counts.get(stage, (0, 0, 0))) for stage in stages}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", type=Path, help="a responses export: .parquet, or .csv")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    result = nps_by_stage(args.export)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{'stage':<12}{'answers':>8}{'NPS':>8}{'±':>7}  promoters/passives/detractors")
    for stage, s in result.items():
        score = "-" if s["score"] is None else f"{s['score']:.0f}"
        margin = "-" if s["marginOfError"] is None else f"{s['marginOfError']:.0f}"
        print(f"{stage:<12}{s['n']:>8}{score:>8}{margin:>7}  {s['promoters']}/{s['passives']}/{s['detractors']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
