"""How long a survey's results page takes on PostgreSQL with many responses, against reading the same rows raw.

Seeds one NPS survey (score, then a follow-up text) with --responses responses from as many people, the
follow-ups drawn from the labelled feedback sets, then times, best of --runs:
- raw: SELECT the survey's answers and fetch them all (the least any analysis must do);
- analysis: analysis.analyse (the NPS split, the distribution and the themes of the newest 2,000 answers of
  each text question);
- page: GET of the results page by a signed-in viewer (analysis, weekly trend by stage, the newest 50 responses).

    .venv/bin/python bench/results.py
    .venv/bin/python bench/results.py --responses 100000
"""

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import drop_database, ensure_database  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/gapwise_bench_results"
SURVEY = {
    "name": "NPS",
    "kind": "nps",
    "status": "active",
    "questions": [
        {"id": "score", "type": "nps", "text": "How likely are you to recommend us?"},
        {"id": "why", "type": "text", "text": "Why?"},
    ],
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--responses", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser.parse_args(argv)


def seed(app, n: int) -> tuple[int, int]:
    """A project, a viewer, the survey and n people each with one response; (project id, survey id)."""
    from sqlalchemy import insert, text

    from gapwise.core.projects import keys, users
    from gapwise.core.surveys import definitions
    from gapwise.db import db
    from gapwise.models import Person, Response
    from gapwise.schemas.surveys import SurveySchema

    texts = [r["text"] for name in ("feedback_themes.json", "feedback_themes_holdout.json") for r in _rows(name)]
    rng = random.Random(7)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    with app.app_context():
        project, _ = keys.create_project(db.session, "Bench")
        user = users.create_user(db.session, "viewer@bench.example", "correct horse battery")
        users.grant(db.session, user.id, project.id, "viewer")
        survey = definitions.create_survey(db.session, project.id, SurveySchema().load(SURVEY))
        project_id, survey_id = project.id, survey.id
        for offset in range(0, n, 5_000):
            count = min(5_000, n - offset)
            people = [
                {"project_id": project_id, "user_id": f"u{offset + i}", "first_seen": start, "last_seen": start}
                for i in range(count)
            ]
            ids = list(db.session.scalars(insert(Person).returning(Person.id), people))
            rows = []
            for i, person_id in enumerate(ids):
                score = rng.choice([0, 3, 5, 6, 7, 8, 8, 9, 9, 10, 10])
                at = start + timedelta(minutes=(offset + i) * 60 * 24 * 60 / n)
                answers = {"score": score, "why": rng.choice(texts)} if rng.random() < 0.4 else {"score": score}
                rows.append(
                    {
                        "project_id": project_id,
                        "survey_id": survey_id,
                        "person_id": person_id,
                        "display_id": f"d{offset + i}",
                        "answers": answers,
                        "score": score,
                        "completed": True,
                        "stage": rng.choice(["trial", "aha", "activation", "adoption"]),
                        "created_at": at,
                        "updated_at": at,
                    }
                )
            db.session.execute(insert(Response), rows)
            db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return project_id, survey_id


def _rows(name: str) -> list[dict]:
    return json.loads((ROOT / "tests" / "data" / name).read_text())


def best(runs: int, action) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv=None) -> None:
    args = parse_args(argv)
    from sqlalchemy import select

    from gapwise import create_app
    from gapwise.core.storage import migrate
    from gapwise.core.surveys import analysis
    from gapwise.db import db
    from gapwise.models import Response, Survey
    from tests.ui import Browser

    ensure_database(args.url, fresh=True)
    try:
        migrate.upgrade(args.url)
        app = create_app({"DATABASE_URL": args.url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
        started = time.perf_counter()
        project_id, survey_id = seed(app, args.responses)
        print(f"seeded {args.responses:,} responses in {time.perf_counter() - started:.1f} s")

        def raw():
            with app.app_context():
                list(db.session.scalars(select(Response.answers).where(Response.survey_id == survey_id)))

        def analysed():
            with app.app_context():
                survey = db.session.get(Survey, survey_id)
                where = analysis.conditions(db.session, project_id, survey, {})
                analysis.analyse(db.session, project_id, survey, where)

        browser = Browser(app.test_client())
        browser.login("viewer@bench.example", "correct horse battery")

        def page():
            answer = browser.client.get(f"/app/p/{project_id}/surveys/{survey_id}")
            assert answer.status_code == 200, answer.status_code

        base = best(args.runs, raw)
        took = best(args.runs, analysed)
        whole = best(args.runs, page)
        print(f"raw read of the answers: {base * 1000:.0f} ms")
        print(f"analysis.analyse: {took * 1000:.0f} ms ({took / base:.1f}x raw)")
        print(f"results page: {whole * 1000:.0f} ms ({whole / base:.1f}x raw)")
    finally:
        if not args.keep:
            drop_database(args.url)


if __name__ == "__main__":
    main()
