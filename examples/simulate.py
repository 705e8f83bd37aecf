"""Simulate the demo SaaS and send its people's messages to Gapwise, in-process or to a running server.

    python examples/simulate.py [--people 300 --days 60 --seed 7]
    python examples/simulate.py --url http://127.0.0.1:5000 --secret-key sk_… [--write-key pk_…]

The generator itself is `gapwise.demo.simulation` (so `gapwise demo` can load it when Gapwise is
installed without this directory); its planted truths (`gapwise.demo.plan`) are re-exported here. Without --url the
messages go through /v1/batch of an in-process app on GAPWISE_DATABASE_URL, into the "Gapwise Demo"
project (created if missing). With --url they go over HTTP to the project of the secret key, whose
features, segments and surveys are first set up through the admin API.
"""

import argparse
import time
import urllib.error
import urllib.request

import orjson

from gapwise.demo.plan import *  # noqa: F403  (the planted truths, for readers and tests)
from gapwise.demo.plan import DAYS, PEOPLE, SEED
from gapwise.demo.simulation import generate

BATCH = 500


def load(app, write_key: str, messages: list[dict], batch: int = BATCH) -> dict:
    """Post the messages to the app's /v1/batch (test client) in batches; every one must be accepted or a duplicate."""
    from gapwise.core.ingest.writer import Writer

    client = app.test_client()
    totals = {"accepted": 0, "duplicates": 0}
    for offset in range(0, len(messages), batch):
        body = orjson.dumps({"writeKey": write_key, "batch": messages[offset : offset + batch]})
        response = client.post("/v1/batch", data=body, content_type="application/json")
        answer = response.get_json()
        assert response.status_code == 200, (response.status_code, answer)
        assert answer["rejected"] == [], answer["rejected"][:3]
        for name in totals:
            totals[name] += answer[name]
    Writer(app).drain(timeout=600)  # store what was captured, as `gapwise serve`'s writer would
    return totals


def load_in_process(people: int, days: int, seed: int) -> dict:
    """Set up the demo project in the configured database and load the simulation through /v1/batch."""
    from gapwise import create_app
    from gapwise.db import db
    from gapwise.demo import seed as demo

    app = create_app()
    with app.app_context():
        project = demo.configure(db.session)
        db.session.close()
    messages = generate(people, days, seed, survey_ids=project.survey_ids)
    totals = load(app, project.write_key, messages)
    with app.app_context():
        totals["gaps"] = demo.gap_lines(db.session, project.project_id)
    return {"write key": project.write_key, **totals}


def load_over_http(url: str, secret_key: str, write_key: str | None, people: int, days: int, seed: int) -> dict:
    """Set up the secret key's project through the admin API, then post the simulation to /v1/batch."""
    from gapwise.demo import seed as demo

    base, admin = url.rstrip("/"), {"Authorization": f"Bearer {secret_key}"}

    def ensure(resource: str, specs: list[dict], key: str) -> dict:
        """Create what is missing; return every item of the resource by `key`."""
        have = {item[key]: item for item in _call("GET", f"{base}/api/v1/{resource}", headers=admin)[resource]}
        for spec in specs:
            if spec[key] not in have:
                have[spec[key]] = _call("POST", f"{base}/api/v1/{resource}", spec, admin)
        return have

    write_key = write_key or _call("GET", f"{base}/api/v1/project", headers=admin)["writeKey"]
    ensure("features", demo.DEMO_FEATURES, "key")
    ensure("segments", demo.DEMO_SEGMENTS, "key")
    surveys = ensure("surveys", demo.DEMO_SURVEYS + demo.SETTLED_SURVEYS, "name")
    ids = {name: str(surveys[title]["id"]) for name, title in demo.SURVEY_NAMES.items()}
    messages = generate(people, days, seed, survey_ids=ids)
    totals = {"accepted": 0, "duplicates": 0}
    for offset in range(0, len(messages), BATCH):
        answer = _call("POST", f"{base}/v1/batch", {"writeKey": write_key, "batch": messages[offset : offset + BATCH]})
        if answer["rejected"]:
            raise SystemExit(f"rejected: {answer['rejected'][:3]}")
        for name in totals:
            totals[name] += answer[name]
    _wait_for_writer(base)
    report = _call("GET", f"{base}/api/v1/gaps", headers=admin)
    return {"write key": write_key, **totals, "gaps": demo.report_lines(report)}


def _wait_for_writer(base: str, timeout: float = 600) -> None:
    """Wait until the server's ingest writer has stored everything captured (GET /healthz says so)."""
    deadline = time.monotonic() + timeout
    while _call("GET", f"{base}/healthz")["ingest"]["pending"]:
        if time.monotonic() > deadline:
            raise SystemExit("the server's ingest writer has not caught up: is GAPWISE_INGEST_WRITER off?")
        time.sleep(0.2)


def _call(method: str, url: str, body: dict | None = None, headers: dict | None = None) -> dict:
    """One JSON request; an error status ends the program with the server's answer."""
    data = orjson.dumps(body) if body is not None else None
    request = urllib.request.Request(url, data, {"Content-Type": "application/json", **(headers or {})}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{method} {url}: {error.code} {error.read()[:300].decode(errors='replace')}") from None


def main(argv=None) -> None:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=PEOPLE)
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--url", help="a running Gapwise (default: in-process, on GAPWISE_DATABASE_URL)")
    parser.add_argument("--secret-key", help="with --url: the project's secret key (sk_…), to set it up")
    parser.add_argument("--write-key", help="with --url: the project's write key (default: the secret key's)")
    args = parser.parse_args(argv)
    if args.url and not args.secret_key:
        parser.error("--url needs --secret-key: the project's surveys must exist before answers are sent")
    if args.url:
        result = load_over_http(args.url, args.secret_key, args.write_key, args.people, args.days, args.seed)
    else:
        result = load_in_process(args.people, args.days, args.seed)
    for line in result.pop("gaps", []):
        print(line)
    print(", ".join(f"{name}: {value}" for name, value in result.items()))


if __name__ == "__main__":
    main()
