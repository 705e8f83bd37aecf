"""GET /v1/config under load, against a hello-world Flask app served the same way in the same run.

Three runs of the same length and concurrency, each against gunicorn on 127.0.0.1:
  hello    the smallest Flask app (bench/hello_wsgi.py): the ceiling of Flask + gunicorn here
  config   /v1/config for a project with tagged features and no active survey (the per-project cache)
  surveys  /v1/config for a project with three active surveys, for people with a survey history
           (targeting runs for each request: person lookup, history, checks, localisation)
  nudges   /v1/config for a project with an active banner and an active checklist for everyone in the
           trial stage: each request reads the person's assignments (made on the first), the checklist's
           steps done (feature usage and events since the assignment), and localises both
It prints requests/s, p50/p99 latency and errors for each, and each /v1/config figure as a
share of hello-world's. PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres) is needed.

    .venv/bin/python bench/config.py [--workers 2] [--clients 8] [--seconds 8]
"""

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from common import drop_database, free_port, percentile, recreate_database, start_server, stop_server, wait_healthy  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/gapwise_bench_config"
PEOPLE = 50


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0)
    return parser.parse_args(argv)


def seed(url: str) -> tuple[str, str, str]:
    """Three projects: one with features only, one with three active surveys and people who saw them, one
    with two active nudges and people who used a feature."""
    from gapwise import create_app
    from gapwise.core.features import definitions as features
    from gapwise.core.ingest.load import load
    from gapwise.core.nudges import definitions as nudges
    from gapwise.core.projects import keys
    from gapwise.core.storage import migrate
    from gapwise.core.surveys import definitions as surveys
    from gapwise.db import db
    from gapwise.demo import seed as demo
    from gapwise.models.base import utcnow
    from gapwise.schemas.surveys import SurveySchema

    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        plain, _ = keys.create_project(db.session, "Features only")
        busy, _ = keys.create_project(db.session, "With surveys")
        for project in (plain, busy):
            for spec in demo.DEMO_FEATURES:
                features.create_feature(db.session, project.id, spec)
        ids = [surveys.create_survey(db.session, busy.id, SurveySchema().load(spec)).id for spec in demo.DEMO_SURVEYS]
        now = utcnow()
        messages = [
            {
                "type": "survey",
                "messageId": str(uuid.uuid4()),
                "anonymousId": f"person-{n}",
                "surveyId": str(ids[n % 3]),
                "action": "dismissed",
                "displayId": str(uuid.uuid4()),
                "timestamp": (now - timedelta(days=40)).isoformat(),
            }
            for n in range(PEOPLE)
        ]
        load(db.session, busy.id, messages, now)
        nudged, _ = keys.create_project(db.session, "With nudges")
        for spec in demo.DEMO_FEATURES:
            features.create_feature(db.session, nudged.id, spec)
        key = demo.DEMO_FEATURES[0]["key"]
        common = {"status": "active", "target": {"stage": "trial"}, "metric": {"measure": "adoption", "feature": key}}
        nudges.create_nudge(db.session, nudged.id, {"name": "Banner", "kind": "banner", "body": "New here?", **common})
        steps = [
            {"id": "use", "text": "Use it", "feature": key},
            {"id": "export", "text": "Export", "event": "Report Exported"},
        ]
        nudges.create_nudge(
            db.session, nudged.id, {"name": "Start", "kind": "checklist", "body": "Get going", "steps": steps, **common}
        )
        used = [
            {
                "type": "track",
                "messageId": str(uuid.uuid4()),
                "anonymousId": f"person-{n}",
                "event": "feature_used" if k % 2 else "Report Viewed",
                "properties": {"feature": demo.DEMO_FEATURES[1]["key"]},
                "timestamp": (now - timedelta(minutes=k)).isoformat(),
            }
            for n in range(PEOPLE)
            for k in range(20)
        ]
        load(db.session, nudged.id, used, now)
        db.session.commit()
        result = plain.write_key, busy.write_key, nudged.write_key
    app.extensions["gapwise.db"].engine.dispose()
    return result


def start_hello(port: int, workers: int, log) -> subprocess.Popen:
    command = [
        os.path.join(ROOT, ".venv", "bin", "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--chdir",
        os.path.join(ROOT, "bench"),
        "hello_wsgi:app",
    ]
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def load(port: int, paths: list[str], clients: int, seconds: float) -> dict:
    """Keep `clients` threads requesting `paths` in turn for `seconds`; return throughput and latency."""
    latencies, errors, lock = [], [0], threading.Lock()
    deadline = time.monotonic() + seconds

    def client(offset: int):
        mine, n, conn = [], offset, None
        while time.monotonic() < deadline:
            path = paths[n % len(paths)]
            n += 1
            started = time.perf_counter()
            try:
                conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except OSError:
                ok, conn = False, None
            mine.append(time.perf_counter() - started)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i * 7,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "errors": errors[0],
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    if "bench" not in args.database_url.rsplit("/", 1)[-1]:
        raise SystemExit("the scratch database's name must contain 'bench' (it is dropped)")
    recreate_database(args.database_url)
    servers = []
    log = tempfile.TemporaryFile()  # noqa: SIM115  (the servers write to it until the finally below)
    try:
        plain_key, busy_key, nudge_key = seed(args.database_url)
        app_port, hello_port = free_port(), free_port()
        servers = [
            # Throughput is what is measured: the per-write-key limit (12,000 a minute) would answer 429s.
            start_server(args.database_url, app_port, args.workers, log, {"GAPWISE_RATE_LIMIT_INGEST": "off"}),
            start_hello(hello_port, args.workers, log),
        ]
        wait_healthy(servers[0], app_port)
        time.sleep(1.0)  # the hello server starts faster; give both a moment
        runs = {
            "hello": load(hello_port, ["/hello"], args.clients, args.seconds),
            "config": load(
                app_port,
                [f"/v1/config?writeKey={plain_key}&anonymousId=a{n}" for n in range(PEOPLE)],
                args.clients,
                args.seconds,
            ),
            "surveys": load(
                app_port,
                [f"/v1/config?writeKey={busy_key}&anonymousId=person-{n}&locale=en" for n in range(PEOPLE)],
                args.clients,
                args.seconds,
            ),
            "nudges": load(
                app_port,
                [f"/v1/config?writeKey={nudge_key}&anonymousId=person-{n}&locale=en" for n in range(PEOPLE)],
                args.clients,
                args.seconds,
            ),
        }
    finally:
        for server in servers:
            stop_server(server)
        drop_database(args.database_url)
    print(f"settings: {args.workers} gunicorn sync workers, {args.clients} clients, {args.seconds:.0f} s per run")
    hello = runs["hello"]["rps"]
    for name, r in runs.items():
        share = "" if name == "hello" else f"   {r['rps'] / hello:.2f} of hello-world"
        print(
            f"{name:8s} {r['rps']:7.0f} req/s  p50 {r['p50_ms']:5.1f} ms  p99 {r['p99_ms']:5.1f} ms  "
            f"errors {r['errors']}{share}"
        )
    return 1 if any(r["errors"] for r in runs.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
