"""SQLite under load: the ingest writer, the admin API and the dashboard writing at the same time.

`gapwise serve` (2 workers, each with its writer thread) on one SQLite file; two senders post batches
of events without pause while a script creates features through the admin API and a PM saves the
project settings in the dashboard. Every write transaction takes the write lock when it begins, so
writers queue for it (busy timeout) instead of failing: at most 1% of the API and dashboard writes may
answer 503, and every event must be stored once.
"""

import re
import threading
import time
import uuid

import orjson
import pytest
import requests

from gapwise.models import Event
from tests.helpers import drain, message, served
from tests.ui import PASSWORD, make_user

pytestmark = pytest.mark.slow

API_WRITES, DASHBOARD_SAVES = 60, 30


def token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30).text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_api_and_dashboard_writes_wait_for_the_writer_instead_of_failing(app, backend, project, batches):
    if backend != "sqlite":
        pytest.skip("PostgreSQL has row locks: this is about SQLite's one write lock")
    email = f"pm-{uuid.uuid4().hex[:8]}@example.com"
    make_user(app, email, project.id, "owner")
    sent: list[str] = []
    statuses: dict[str, list[int]] = {"events": [], "api": [], "dashboard": []}
    done = threading.Event()

    with served(app.config["DATABASE_URL"]) as base:

        def send(n: int) -> None:
            while not done.is_set():
                messages = [message(anonymousId=f"visitor-{n}-{k % 25}") for k in range(50)]
                body = orjson.dumps({"writeKey": project.write_key, "batch": messages})
                answer = requests.post(f"{base}/v1/batch", data=body, timeout=30)
                statuses["events"].append(answer.status_code)
                if answer.status_code == 200:
                    sent.extend(m["messageId"] for m in messages)

        def administer() -> None:
            headers = {"Authorization": f"Bearer {project.secret_key}"}
            for n in range(API_WRITES):
                spec = {"key": f"feature-{n}", "name": f"Feature {n}", "event": f"Used {n}"}
                answer = requests.post(f"{base}/api/v1/features", json=spec, headers=headers, timeout=30)
                statuses["api"].append(answer.status_code)

        def edit_settings() -> None:
            pm = requests.Session()
            login = {"email": email, "password": PASSWORD, "csrf_token": token(pm, f"{base}/app/login")}
            assert pm.post(f"{base}/app/login", data=login, timeout=30).status_code == 200
            page = f"{base}/app/p/{project.id}/settings"
            for n in range(DASHBOARD_SAVES):
                form = {"allowedOrigins": "", "surveyCooldownHours": str(n % 48), "timezone": "UTC"}
                answer = pm.post(page, data={**form, "csrf_token": token(pm, page)}, allow_redirects=False, timeout=30)
                statuses["dashboard"].append(answer.status_code)

        senders = [threading.Thread(target=send, args=(n,)) for n in range(2)]
        editors = [threading.Thread(target=administer), threading.Thread(target=edit_settings)]
        for thread in senders + editors:
            thread.start()
        time.sleep(0.5)  # the senders are under way before the first edit
        for thread in editors:
            thread.join(120)
        done.set()
        for thread in senders:
            thread.join(60)

    writes = statuses["api"] + statuses["dashboard"]
    assert len(statuses["api"]) == API_WRITES and len(statuses["dashboard"]) == DASHBOARD_SAVES
    assert writes.count(503) <= 0.01 * len(writes), statuses
    assert set(statuses["api"]) == {201} and set(statuses["dashboard"]) == {303}
    assert len(statuses["events"]) >= 10 and statuses["events"].count(503) <= 0.01 * len(statuses["events"])
    drain(app)
    assert sorted(e.message_id for e in batches.all(Event)) == sorted(sent)
