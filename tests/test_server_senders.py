"""The backend senders of examples/server/ (README, "Sending from your backend"), each run as its own process
against `gapwise serve`: Segment's Python library (send.py) and plain fetch from Node (send.mjs)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gapwise.models import Account, Event, Person
from tests.helpers import drain

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "server"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


def send(command: list, base: str, write_key: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GAPWISE_HOST": base, "GAPWISE_WRITE_KEY": write_key}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def stored(app, batches, user_id: str, account_id: str):
    """What the writer stored for the sender's one user: the person, their account, their events' types and names."""
    drain(app)
    [person] = batches.all(Person)
    [account] = batches.all(Account)
    events = [(e.type, e.name) for e in batches.all(Event, order_by=Event.id)]
    assert person.user_id == user_id and account.external_id == account_id
    assert {e.person_id for e in batches.all(Event)} == {person.id}
    return person, account, events


def test_segments_python_library_sends_identify_group_and_track(app, gunicorn_server, project, batches):
    send([sys.executable, str(EXAMPLES / "send.py")], gunicorn_server, project.write_key)
    person, account, events = stored(app, batches, "user-42", "acme")
    assert person.traits == {"email": "ada@example.com", "plan": "team"}
    assert (account.name, account.plan, float(account.mrr)) == ("Acme", "team", 990.0)
    assert sorted(events) == [("group", "acme"), ("identify", None), ("track", "Invoice Paid")]
    [paid] = batches.all(Event, Event.name == "Invoice Paid")
    assert paid.properties == {"amount": 990, "currency": "EUR"}
    assert paid.context["library"]["name"] == "analytics-python"


@needs_node
def test_node_fetch_to_the_batch_endpoint_with_basic_auth(app, gunicorn_server, project, batches):
    done = send([NODE, str(EXAMPLES / "send.mjs")], gunicorn_server, project.write_key)
    assert done.stdout.strip() == "gapwise: 3 accepted, 0 duplicates"
    person, account, events = stored(app, batches, "user-7", "globex")
    assert person.traits == {"email": "grace@example.com", "plan": "enterprise"}
    assert (account.name, account.plan, float(account.mrr)) == ("Globex", "enterprise", 4900.0)
    assert events == [("identify", None), ("group", "globex"), ("track", "Export Finished")]
    [finished] = batches.all(Event, Event.name == "Export Finished")
    assert finished.properties == {"rows": 12000, "format": "parquet"}


@needs_node
def test_a_wrong_write_key_makes_the_node_sender_fail_loudly(gunicorn_server, batches):
    env = {**os.environ, "GAPWISE_HOST": gunicorn_server, "GAPWISE_WRITE_KEY": "pk_unknown"}
    done = subprocess.run([NODE, str(EXAMPLES / "send.mjs")], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "401" in done.stderr
    assert batches.count(Event) == 0
