"""What operators rely on: the version on every answer, /metrics, JSON logs, and clients behind proxies."""

import json
import re

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

import gapwise
from tests.helpers import Batches, app_for_tests, drain, message, served
from tests.ui import Browser

TOKEN = "metrics-token-for-tests"


def samples(text: str) -> dict[tuple, float]:
    """Prometheus text as {(sample name, sorted labels): value}."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(client) -> dict[tuple, float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return samples(response.get_data(as_text=True))


def test_every_answer_names_the_version(client):
    health = client.get("/healthz")
    assert health.get_json() == {"status": "ok", "version": gapwise.__version__, "ingest": {"log": "sql", "pending": 0}}
    for answer in (health, client.get("/nothing-here"), client.get("/api/v1/project"), client.get("/app/login")):
        assert answer.headers["X-Gapwise-Version"] == gapwise.__version__


def test_metrics_are_off_without_a_token(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.options(METRICS_TOKEN=TOKEN)
@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_metrics_need_the_token(client, header):
    answer = client.get("/metrics", headers={"Authorization": header} if header else {})
    assert answer.status_code == 401 and answer.get_json()["code"] == "unauthorized"
    assert "gapwise_" not in answer.get_data(as_text=True)


@pytest.mark.options(METRICS_TOKEN=TOKEN)
def test_metrics_count_ingest_outcomes_statuses_and_latency(client, batches):
    before = scrape(client)
    repeated = message()
    answer = batches.post([message(), repeated, repeated, message(type="nonsense")])
    assert answer.status_code == 200 and answer.get_json()["accepted"] == 2
    assert batches.post([message()], write_key="pk_unknown").status_code == 401
    after = scrape(client)

    def delta(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("gapwise_ingest_messages_total", outcome="accepted") == 2
    assert delta("gapwise_ingest_messages_total", outcome="duplicate") == 1
    assert delta("gapwise_ingest_messages_total", outcome="rejected") == 1
    assert delta("gapwise_http_requests_total", endpoint="ingest.batch", status="200") == 1
    assert delta("gapwise_http_requests_total", endpoint="ingest.batch", status="401") == 1
    assert delta("gapwise_http_request_duration_seconds_count", endpoint="ingest.batch") == 2
    assert after[("gapwise_webhook_deliveries_pending", ())] == 0
    assert after[("gapwise_ingest_log_pending", (("log", "sql"),))] == 0  # the client drained it
    assert after[("gapwise_ingest_failures", ())] == 0


@pytest.mark.options(METRICS_TOKEN=TOKEN)
def test_metrics_show_the_ingest_log_waiting_for_the_writer(app, client, project, batches):
    capture_only = Batches(app, app.test_client(drain=False), project)
    assert capture_only.post([message(), message()]).status_code == 200
    assert capture_only.post([message()]).status_code == 200
    assert scrape(client)[("gapwise_ingest_log_pending", (("log", "sql"),))] == 2  # records, one a request
    drain(app)
    assert scrape(client)[("gapwise_ingest_log_pending", (("log", "sql"),))] == 0


def test_metrics_add_up_across_workers_and_every_log_line_is_json(app, tmp_path):
    log = tmp_path / "serve.log"
    with open(log, "wb") as output:
        env = {"GAPWISE_LOG_FORMAT": "json", "GAPWISE_METRICS_TOKEN": TOKEN}
        with served(app.config["DATABASE_URL"], env=env, log=output) as base:
            for _ in range(40):  # a new connection each: gunicorn hands them to either worker
                assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
            assert requests.get(f"{base}/app/p/1/", timeout=5, allow_redirects=False).status_code == 302
            text = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5).text
    found = samples(text)
    # Every worker's count is in the scrape, whichever worker answered it (plus the health checks of start-up).
    assert found[("gapwise_http_requests_total", (("endpoint", "health.healthz"), ("status", "200")))] >= 40
    pids = set(re.findall(r"Booting worker with pid: (\d+)", log.read_text()))
    assert len(pids) == 2
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # fails on any line that is not one JSON object
    loggers = {r["logger"] for r in records}
    assert {"gunicorn.error", "gapwise.serve"} <= loggers
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)


@pytest.mark.parametrize(("hops", "separate"), [(0, False), (1, True)])
def test_behind_a_proxy_the_sign_in_throttle_counts_each_client(app, hops, separate):
    """With TRUSTED_PROXIES the real client is X-Forwarded-For's last hop; without it, the proxy's address."""
    proxied = app_for_tests({**app.config, "TRUSTED_PROXIES": hops, "LOGIN_ATTEMPTS_PER_ADDRESS": 3})
    try:
        browser = Browser(proxied.test_client())

        def attempt(client_address: str, n: int):
            form = {"email": f"someone{n}@example.com", "password": "wrong", "csrf_token": browser.token()}
            proxy = {"X-Forwarded-For": client_address}
            return browser.client.post("/app/login", data=form, headers=proxy, environ_base={"REMOTE_ADDR": "10.9.9.9"})

        statuses = [attempt("198.51.100.7", n).status_code for n in range(4)]
        assert statuses[3] == 429, statuses
        assert (attempt("203.0.113.5", 9).status_code != 429) is separate
    finally:
        proxied.extensions["gapwise.db"].sessions.remove()
        proxied.extensions["gapwise.db"].engine.dispose()
